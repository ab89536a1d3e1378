using System.Xml.Linq;
using ImageGateway.Common.Hosting;
using ImageGateway.TestSupport;

namespace ImageGateway.Deploy.Tests;

/// <summary>What the deployment files must agree with, taken from the apps themselves.</summary>
public static class AppFacts
{
    /// <summary>The port both apps listen on in every container (<c>ASPNETCORE_HTTP_PORTS</c>).</summary>
    public const int ContainerPort = 8080;

    /// <summary>The management port both apps use by default (<c>Management:Port</c>): <c>/metrics</c>, detailed health.</summary>
    public static int ManagementPort => new Common.Management.ManagementOptions().Port;

    public const string MetricsPath = Common.Observability.ServiceTelemetryExtensions.MetricsPath;

    public const string LivePath = "/health/live";

    public const string ReadyPath = "/health/ready";

    /// <summary>The entry assembly of an app (<c>backend</c> or <c>gateway</c>), from its project file.</summary>
    public static string AssemblyName(string app)
    {
        var project = Directory.GetFiles(Path.Combine(RepoPaths.Root, app), "*.csproj").Single();
        return XDocument.Load(project).Descendants("AssemblyName").Single().Value;
    }

    /// <summary>The longest an app takes to stop on SIGTERM with its default <c>Shutdown</c> options.</summary>
    public static TimeSpan DefaultShutdown => new GracefulShutdownOptions().Total;

    /// <summary>
    /// How an app's image starts it: the backend is a Native AOT executable (the form that fits a
    /// 50 MiB container), the gateway an assembly run by <c>dotnet</c>.
    /// </summary>
    public static string[] Entry(string app) => app == "backend"
        ? [$"/app/{AssemblyName(app)}"]
        : ["dotnet", $"/app/{AssemblyName(app)}.dll"];

    /// <summary>The chiseled base image an app's runtime stage needs.</summary>
    public static string RuntimeImage(string app) => app == "backend" ? "runtime-deps" : "aspnet";

    /// <summary>The command that makes an app's image probe itself on the ready endpoint.</summary>
    public static string[] SelfProbe(string app) =>
        [.. Entry(app), SelfProbeFlag, $"http://127.0.0.1:{ContainerPort}{ReadyPath}"];

    public static string SelfProbeFlag => Common.Hosting.SelfProbe.Flag;
}
