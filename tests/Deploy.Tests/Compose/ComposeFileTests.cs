using System.Globalization;
using System.Text.Json.Nodes;
using ImageGateway.TestSupport;

namespace ImageGateway.Deploy.Tests.Compose;

public sealed class ComposeFileTests
{
    private static readonly IReadOnlyDictionary<string, JsonObject> AllServices = DeployFiles.ComposeServices();

    /// <summary>The product's services: those built from the Dockerfile (not the optional Prometheus).</summary>
    private static readonly IReadOnlyDictionary<string, JsonObject> Services = AllServices.Where(s => s.Value["build"] is not null).ToDictionary();

    private static IEnumerable<KeyValuePair<string, JsonObject>> Backends => Services.Where(s => Target(s.Value) == "backend");

    private static JsonObject Gateway => Services.Single(s => Target(s.Value) == "gateway").Value;

    [Fact]
    public void Compose_HasAGatewayAndAtLeastTwoBackends()
    {
        Assert.True(Backends.Count() >= 2, $"backends: {string.Join(", ", Backends.Select(b => b.Key))}");
        Assert.NotNull(Gateway);
    }

    [Fact]
    public void Backends_MemoryLimitWithoutSwap_AndMemorySplitFollowsMemoryRule()
    {
        foreach (var (name, backend) in Backends)
        {
            var limit = MemoryRule.DockerBytes((string)backend["mem_limit"]!);
            Assert.Equal(50L << 20, limit);
            Assert.Equal(limit, MemoryRule.DockerBytes((string)backend["memswap_limit"]!));

            // The memory split: every variable memory.sh derives for this limit and the service's CPUs.
            var cpus = backend["cpus"] is { } stated ? (int)Math.Ceiling(double.Parse((string)stated!, CultureInfo.InvariantCulture)) : 0;
            Assert.True(cpus > 0, $"{name}: no cpus limit; the worker count and the memory split depend on it");
            var env = backend["environment"]!.AsObject();
            foreach (var (key, value) in MemoryRule.BackendEnvironment(limit, cpus))
            {
                Assert.True(value == (string?)env[key], $"{name}: {key} is {(string?)env[key] ?? "not set"}, memory.sh derives {value} for {limit} bytes and {cpus} CPUs");
            }
        }
    }

    [Fact]
    public void OnlyTheGateway_PublishesAPort_OntoContainerPort8080()
    {
        foreach (var (name, service) in Services)
        {
            if (service == Gateway)
            {
                var published = Assert.Single(service["ports"]!.AsArray());
                Assert.EndsWith($":{AppFacts.ContainerPort}", (string)published!, StringComparison.Ordinal);
            }
            else
            {
                Assert.True(service["ports"] is null, $"{name} publishes a port; only the gateway may.");
            }
        }
    }

    [Fact]
    public void Gateway_Destinations_AreExactlyTheBackendsOnPort8080()
    {
        var destinations = Gateway["environment"]!.AsObject()
            .Where(e => e.Key.StartsWith("ReverseProxy__Clusters__backends__Destinations__", StringComparison.Ordinal)
                && e.Key.EndsWith("__Address", StringComparison.Ordinal))
            .Select(e => (string)e.Value!)
            .Order();
        var expected = Backends.Select(b => $"http://{b.Key}:{AppFacts.ContainerPort}").Order();
        Assert.Equal(expected, destinations);
    }

    [Fact]
    public void Gateway_StartsOnlyOnceEveryBackendIsHealthy()
    {
        var dependsOn = Gateway["depends_on"]!.AsObject();
        foreach (var (name, _) in Backends)
        {
            Assert.Equal("service_healthy", (string?)dependsOn[name]?["condition"]);
        }
    }

    [Fact]
    public void Services_HealthCheckThemselvesWithoutAShell_OnTheReadyEndpoint()
    {
        foreach (var (name, service) in Services)
        {
            var test = service["healthcheck"]!["test"]!.AsArray().Select(t => (string)t!).ToArray();
            Assert.Equal(["CMD", .. AppFacts.SelfProbe(Target(service))], test);
            Assert.True(service["healthcheck"]!["start_period"] is not null, $"{name}: no start_period");
        }
    }

    [Fact]
    public void Services_ReadOnlyWithoutCapabilities_AndStopGraceCoversTheShutdown()
    {
        foreach (var (name, service) in Services)
        {
            Assert.Equal("true", (string?)service["read_only"]);
            Assert.Contains("ALL", service["cap_drop"]!.AsArray().Select(c => (string?)c));
            Assert.Contains("/tmp", service["tmpfs"]!.AsArray().Select(t => ((string)t!).Split(':')[0]));
            var grace = Duration((string)service["stop_grace_period"]!);
            Assert.True(grace >= AppFacts.DefaultShutdown,
                $"{name}: stop_grace_period {grace} is shorter than the apps' drain + in-flight time {AppFacts.DefaultShutdown}");
        }
    }

    [Fact]
    public void AppServices_ExposeTheManagementPort_InsideTheNetworksOnly()
    {
        foreach (var (name, service) in Services)
        {
            Assert.True(service["expose"]?.AsArray().Any(e => (string?)e == AppFacts.ManagementPort.ToString(CultureInfo.InvariantCulture)) == true,
                $"{name} does not expose its management port {AppFacts.ManagementPort}");
            Assert.DoesNotContain((service["ports"]?.AsArray() ?? []).Select(p => (string)p!), p => p.EndsWith($":{AppFacts.ManagementPort}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Prometheus_IsOptional_OnLoopbackOnly_ScrapesEveryManagementPort_AndLoadsTheAlertRules()
    {
        var prometheus = AllServices["prometheus"];
        Assert.Equal(["observability"], prometheus["profiles"]!.AsArray().Select(p => (string?)p));
        Assert.All(prometheus["ports"]!.AsArray(), p => Assert.StartsWith("127.0.0.1:", (string)p!, StringComparison.Ordinal));
        var mounts = prometheus["volumes"]!.AsArray().Select(v => ((string)v!).Split(':')).ToDictionary(v => v[1], v => v[0]);
        Assert.Equal("./deploy/observability/alerts.yaml", mounts["/etc/prometheus/alerts.yaml"]);

        var config = DeployFiles.ReadYaml(Path.Combine(RepoPaths.Root, mounts["/etc/prometheus/prometheus.yml"])).Single();
        var jobs = config["scrape_configs"]!.AsArray().ToDictionary(j => (string)j!["job_name"]!,
            j => j!["static_configs"]!.AsArray().SelectMany(c => c!["targets"]!.AsArray().Select(t => (string)t!)).Order().ToArray());
        var port = AppFacts.ManagementPort.ToString(CultureInfo.InvariantCulture);
        Assert.Equal([.. Services.Where(s => s.Value == Gateway).Select(s => $"{s.Key}:{port}")], jobs["gateway"]);
        Assert.Equal(Backends.Select(b => $"{b.Key}:{port}").Order().ToArray(), jobs["backend"]);
        Assert.Equal(["/etc/prometheus/alerts.yaml"], config["rule_files"]!.AsArray().Select(r => (string?)r));
    }

    /// <summary>The Dockerfile stage a service builds.</summary>
    private static string Target(JsonObject service) => (string)service["build"]!["target"]!;

    private static TimeSpan Duration(string compose) => compose[^1] switch
    {
        's' => TimeSpan.FromSeconds(double.Parse(compose[..^1], CultureInfo.InvariantCulture)),
        'm' => TimeSpan.FromMinutes(double.Parse(compose[..^1], CultureInfo.InvariantCulture)),
        _ => throw new FormatException($"Use a duration like 30s, not '{compose}'."),
    };
}
