using System.Text.RegularExpressions;
using ImageGateway.TestSupport;

namespace ImageGateway.Deploy.Tests.Docker;

/// <summary>
/// Reads deploy/docker/Dockerfile instruction by instruction (no engine runs here to build it) and checks
/// it against the repository and the apps.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly IReadOnlyList<(string Instruction, string Arguments)> Instructions = Parse(File.ReadAllText(DeployFiles.DockerfilePath));

    /// <summary>The global ARGs (before the first FROM) with their defaults, unexpanded.</summary>
    private static readonly Dictionary<string, string> GlobalArgs = Instructions.TakeWhile(i => i.Instruction != "FROM")
        .Where(i => i.Instruction == "ARG")
        .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Select(a => a.Split('=', 2))
        .ToDictionary(a => a[0], a => a.Length > 1 ? a[1] : "", StringComparer.Ordinal);

    [Fact]
    public void RestoreLayer_CopiesOnlyProjectAndBuildFiles_ThatExist_BeforeAnySource()
    {
        var firstRestore = Instructions.ToList().FindIndex(i => i.Instruction == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        Assert.True(firstRestore > 0, "no dotnet restore step");
        var restoreCopies = Instructions.Take(firstRestore).Where(i => i.Instruction == "COPY").ToList();
        Assert.NotEmpty(restoreCopies);
        foreach (var (_, arguments) in restoreCopies)
        {
            foreach (var source in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
            {
                Assert.True(File.Exists(Path.Combine(RepoPaths.Root, source)), $"the restore layer copies {source}, which is not a file in the repository");
                Assert.Matches(@"(\.csproj|\.props|global\.json|\.editorconfig)$", source);
            }
        }

        // Every project the apps build from is in the restore layer, so restore sees the whole graph.
        foreach (var project in new[] { "common/Common.csproj", "backend/Backend.csproj", "gateway/Gateway.csproj", "Directory.Packages.props", "Directory.Build.props", "global.json" })
        {
            Assert.Contains(restoreCopies, c => c.Arguments.Contains(project, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("backend")]
    [InlineData("gateway")]
    public void Target_RunsItsAppOnPort8080AsNonRoot_FromChiseledRuntime_WithAShellFreeHealthCheck(string app)
    {
        var stage = Stage(app);
        var runtime = Stage(stage.Base);
        Assert.Matches($@"^mcr\.microsoft\.com/dotnet/{AppFacts.RuntimeImage(app)}:\$\{{DOTNET_VERSION\}}-[a-z]+-chiseled$", ImageOf(runtime.Base));
        Assert.Contains(runtime.Body, i => i.Instruction == "USER" && i.Arguments is "$APP_UID" or "app");
        Assert.DoesNotContain(stage.Body.Concat(runtime.Body), i => i.Instruction == "USER" && i.Arguments is "root" or "0");
        Assert.Contains(runtime.Body, i => i.Instruction == "EXPOSE" && i.Arguments == AppFacts.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(runtime.Body, i => i.Instruction == "ENV" && i.Arguments.Contains($"ASPNETCORE_HTTP_PORTS={AppFacts.ContainerPort}", StringComparison.Ordinal));

        var entry = "[" + string.Join(", ", AppFacts.Entry(app).Select(a => $"\"{a}\"")) + "]";
        Assert.Contains(stage.Body, i => i.Instruction == "ENTRYPOINT" && i.Arguments == entry);
        var healthCheck = Assert.Single(stage.Body, i => i.Instruction == "HEALTHCHECK").Arguments;
        var exec = "[" + string.Join(", ", AppFacts.SelfProbe(app).Select(a => $"\"{a}\"")) + "]";
        Assert.EndsWith("CMD " + exec, healthCheck, StringComparison.Ordinal);

        var publish = Stage(CopyFromStage(stage));
        Assert.Contains(publish.Body, i => i.Instruction == "RUN" && i.Arguments.Contains($"dotnet publish {app}/", StringComparison.Ordinal));
    }

    [Fact]
    public void BackendImage_TakesTheExecutableAndItsSettingsOnly_NoDebugSymbols()
    {
        var copy = Assert.Single(Stage("backend").Body, i => i.Instruction == "COPY").Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var sources = copy.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray()[..^1];

        // Named files, no folder or wildcard that would bring ImageGateway.Backend.dbg (38 MB) along.
        Assert.Equal([$"/app/{AppFacts.AssemblyName("backend")}", "/app/appsettings.json"], sources);
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "backend", "appsettings.json")));
        var publish = Assert.Single(Stage("publish-backend").Body, i => i.Instruction == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal)).Arguments;
        Assert.Contains("-p:DebugType=none", publish, StringComparison.Ordinal);
    }

    [Fact]
    public void GatewayImage_HasNoPdbFiles()
    {
        var publish = Assert.Single(Stage("publish-gateway").Body, i => i.Instruction == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal)).Arguments;

        Assert.Contains("-p:DebugType=none", publish, StringComparison.Ordinal);
        Assert.Contains("-name '*.pdb' -delete", publish, StringComparison.Ordinal);
    }

    [Fact]
    public void BackendPublish_UsesTheSdkAotImage_WithoutInstallingAToolchain()
    {
        var (baseImage, body) = Stage("publish-backend");

        Assert.Equal("mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}-noble-aot", baseImage);
        Assert.DoesNotContain(body, i => i.Instruction == "RUN" && i.Arguments.Contains("apt-get", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("backend")]
    [InlineData("gateway")]
    public void Target_CarriesOciLabels_JsonLogs_AndExposesTheManagementPort(string app)
    {
        var stage = Stage(app);
        var runtime = Stage(stage.Base);
        var labels = string.Join(' ', stage.Body.Concat(runtime.Body).Where(i => i.Instruction == "LABEL").Select(i => i.Arguments));

        foreach (var key in new[] { "title", "description", "version", "revision", "created", "source", "vendor", "base.name" })
        {
            Assert.Contains($"org.opencontainers.image.{key}=", labels, StringComparison.Ordinal);
        }

        Assert.Contains($"org.opencontainers.image.title=\"image-gateway-{app}\"", labels, StringComparison.Ordinal);
        Assert.Contains(runtime.Body, i => i.Instruction == "ENV" && i.Arguments.Contains("Logging__Console__FormatterName=json", StringComparison.Ordinal));
        Assert.Contains(runtime.Body, i => i.Instruction == "EXPOSE" && i.Arguments == AppFacts.ManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("backend")]
    [InlineData("gateway")]
    public void Target_LabelValues_AreArgsTheRuntimeStageDeclares_WithAGlobalDefault(string app)
    {
        // A global ARG reaches only FROM lines: a stage that uses one without naming it again gets an
        // empty value, and a base image's ENV of the same name (aspnet sets DOTNET_VERSION) would win.
        var runtime = Stage(Stage(app).Base);
        var declared = runtime.Body.Where(i => i.Instruction == "ARG")
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(a => a.Split('=', 2)[0])
            .ToHashSet(StringComparer.Ordinal);
        var used = runtime.Body.Where(i => i.Instruction == "LABEL")
            .SelectMany(i => ArgReference().Matches(i.Arguments).Select(m => m.Groups[1].Value))
            .ToList();

        Assert.Equal(["VERSION", "REVISION", "CREATED", "SOURCE", AppFacts.RuntimeImage(app) == "aspnet" ? "ASPNET_IMAGE" : "RUNTIME_DEPS_IMAGE"], used);
        foreach (var name in used)
        {
            Assert.Contains(name, declared);
            Assert.Contains(name, GlobalArgs.Keys);
        }

        // The base.name label is the image the stage starts from.
        Assert.Equal(runtime.Base, Assert.Single(LabelValue().Matches(string.Join(' ', runtime.Body.Where(i => i.Instruction == "LABEL").Select(i => i.Arguments)))).Groups[1].Value);
    }

    /// <summary>A base written as one global ARG (<c>${NAME}</c>) is that ARG's default.</summary>
    private static string ImageOf(string baseImage) =>
        ArgReference().Match(baseImage) is { Success: true } m && m.Value == baseImage ? GlobalArgs[m.Groups[1].Value] : baseImage;

    private static string CopyFromStage((string Base, List<(string Instruction, string Arguments)> Body) stage) =>
        CopyFrom().Match(Assert.Single(stage.Body, i => i.Instruction == "COPY").Arguments).Groups[1].Value;

    private static (string Base, List<(string Instruction, string Arguments)> Body) Stage(string name)
    {
        string? current = null;
        string? baseImage = null;
        var body = new List<(string, string)>();
        foreach (var (instruction, arguments) in Instructions)
        {
            if (instruction == "FROM")
            {
                if (current == name)
                {
                    break;
                }

                var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToArray();
                current = parts.Length == 3 ? parts[2] : null;
                baseImage = parts[0];
                body.Clear();
                continue;
            }

            if (current == name)
            {
                body.Add((instruction, arguments));
            }
        }

        return current == name ? (baseImage!, body) : throw new Xunit.Sdk.XunitException($"The Dockerfile has no stage '{name}'.");
    }

    /// <summary>Instructions with continuation lines joined and comments dropped.</summary>
    private static List<(string, string)> Parse(string dockerfile)
    {
        var joined = LineContinuation().Replace(dockerfile, " ");
        return joined.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', 2))
            .Select(p => (p[0].ToUpperInvariant(), Whitespace().Replace(p.Length > 1 ? p[1] : "", " ").Trim()))
            .ToList();
    }

    [GeneratedRegex(@"\\\r?\n(\s*#[^\n]*\n)*")]
    private static partial Regex LineContinuation();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\$\{([A-Z_]+)\}")]
    private static partial Regex ArgReference();

    [GeneratedRegex(@"org\.opencontainers\.image\.base\.name=""([^""]*)""")]
    private static partial Regex LabelValue();

    [GeneratedRegex(@"--from=(\S+)")]
    private static partial Regex CopyFrom();
}
