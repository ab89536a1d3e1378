using System.Globalization;
using System.Text.Json.Nodes;
using ImageGateway.TestSupport;

namespace ImageGateway.Deploy.Tests.Compose;

public sealed class ComposeFileTests
{
    private static readonly IReadOnlyDictionary<string, JsonObject> Services = DeployFiles.ComposeServices();

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

    /// <summary>The Dockerfile stage a service builds.</summary>
    private static string Target(JsonObject service) => (string)service["build"]!["target"]!;

    private static TimeSpan Duration(string compose) => compose[^1] switch
    {
        's' => TimeSpan.FromSeconds(double.Parse(compose[..^1], CultureInfo.InvariantCulture)),
        'm' => TimeSpan.FromMinutes(double.Parse(compose[..^1], CultureInfo.InvariantCulture)),
        _ => throw new FormatException($"Use a duration like 30s, not '{compose}'."),
    };
}
