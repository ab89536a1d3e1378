using System.Net;
using ImageGateway.TestSupport;

namespace ImageGateway.Deploy.Tests.Apps;

/// <summary>The probe paths and the self-probe command the deployment files use, tried on the real apps.</summary>
public sealed class ProbeEndpointsTests
{
    private static string Configuration => Stack.Configuration(typeof(ProbeEndpointsTests).Assembly);

    /// <summary>Every httpGet probe path in deploy/k8s, by app.</summary>
    private static IEnumerable<(string App, string Path)> ManifestProbePaths() =>
        DeployFiles.KubernetesObjects()
            .Where(o => (string?)o["kind"] is "Deployment" or "StatefulSet")
            .SelectMany(w => new[] { "startupProbe", "livenessProbe", "readinessProbe" }
                .Select(p => ((string)w["metadata"]!["name"]!, (string)w.Container()[p]!["httpGet"]!["path"]!)));

    [Fact]
    public async Task ManifestProbePaths_Answer200_OnTheRealApps()
    {
        await using var stack = await Stack.StartAsync(Configuration, backendCount: 1);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var apps = new Dictionary<string, AppProcess> { ["backend"] = stack.Backends[0], ["gateway"] = stack.Gateway };
        var paths = ManifestProbePaths().Distinct().ToList();
        Assert.Equal(4, paths.Count); // live and ready, on both apps
        foreach (var (app, path) in paths)
        {
            using var response = await client.GetAsync(new Uri(apps[app].BaseAddress, path));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{app} answered {(int)response.StatusCode} on {path}");
        }
    }

    [Fact]
    public async Task GatewayReadinessProbe_WithEveryBackendDown_Answers200_WhileUploadsGetNoHealthyBackend()
    {
        // What the orchestrator's readiness probe sees: the manifest's path, on a gateway whose only backend is gone.
        var path = ManifestProbePaths().Single(p => p.App == "gateway" && p.Path == AppFacts.ReadyPath).Path;
        await using var gateway = await Stack.StartGatewayAsync(Configuration, [new Uri($"http://127.0.0.1:{FreePort.Get()}")], readyPath: AppFacts.LivePath);
        using var client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        // Until YARP's active checks have marked the destination down, an upload may still be tried (502).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            using var upload = await client.PostAsync("/count-white-pixels", new ByteArrayContent(CraftedImages.Png(8, 8, rows: 8)));
            if (upload.StatusCode == HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
            {
                await ProblemAssert.IsProblemAsync(upload, HttpStatusCode.ServiceUnavailable, "urn:image-gateway:problem:no-healthy-backend");
                break;
            }

            await Task.Delay(200);
        }

        using var ready = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Theory]
    [InlineData("backend")]
    [InlineData("gateway")]
    public async Task SelfProbe_ExitsZeroWhenReady_OneWhenNothingAnswers_TwoWithoutUrl(string app)
    {
        await using var stack = await Stack.StartAsync(Configuration, backendCount: 1);
        var target = app == "backend" ? stack.Backends[0] : stack.Gateway;
        var assembly = app == "backend" ? Stack.BackendAssembly(Configuration) : Stack.GatewayAssembly(Configuration);

        Assert.Equal(0, await RunAsync(assembly, AppFacts.SelfProbeFlag, new Uri(target.BaseAddress, AppFacts.ReadyPath).ToString()));
        Assert.Equal(1, await RunAsync(assembly, AppFacts.SelfProbeFlag, $"http://127.0.0.1:{FreePort.Get()}{AppFacts.ReadyPath}"));
        Assert.Equal(2, await RunAsync(assembly, AppFacts.SelfProbeFlag));
    }

    [Fact]
    public async Task SelfProbe_OnANotReadyApp_ExitsOne()
    {
        // A gateway that is stopping reports not ready for its drain delay while it still serves.
        await using var gateway = await Stack.StartGatewayAsync(Configuration, [new Uri($"http://127.0.0.1:{FreePort.Get()}")],
            new Dictionary<string, string> { ["Shutdown__DrainDelay"] = "00:00:30" }, readyPath: AppFacts.LivePath);
        var ready = new Uri(gateway.BaseAddress, AppFacts.ReadyPath).ToString();
        Assert.Equal(0, await RunAsync(Stack.GatewayAssembly(Configuration), AppFacts.SelfProbeFlag, ready));

        gateway.Terminate();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        int exit;
        do
        {
            exit = await RunAsync(Stack.GatewayAssembly(Configuration), AppFacts.SelfProbeFlag, ready);
        }
        while (exit == 0 && DateTime.UtcNow < deadline);

        Assert.Equal(1, exit);
    }

    private static async Task<int> RunAsync(string assembly, params string[] args) =>
        (await ProcessRun.RunAsync("dotnet", [assembly, .. args], TimeSpan.FromSeconds(20))).ExitCode;
}
