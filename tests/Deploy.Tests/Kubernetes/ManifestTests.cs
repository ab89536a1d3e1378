using System.Globalization;
using System.Text.Json.Nodes;
using ImageGateway.TestSupport;

namespace ImageGateway.Deploy.Tests.Kubernetes;

public sealed class ManifestTests
{
    private static readonly IReadOnlyList<JsonObject> Objects = DeployFiles.KubernetesObjects();

    private static JsonObject Backend => Objects.Single("StatefulSet", "backend");

    private static JsonObject Gateway => Objects.Single("Deployment", "gateway");

    public static TheoryData<string> Workloads => new() { "backend", "gateway" };

    private static JsonObject Workload(string app) => app == "backend" ? Backend : Gateway;

    [Fact]
    public void Backend_MemoryLimit_EqualsRequest_AndGcHeapLimitFollowsMemoryRule()
    {
        var container = Backend.Container();
        var limit = MemoryRule.KubernetesBytes((string)container["resources"]!["limits"]!["memory"]!);
        Assert.Equal(50L << 20, limit);
        Assert.Equal(limit, MemoryRule.KubernetesBytes((string)container["resources"]!["requests"]!["memory"]!));
        var gcLimit = container.Env()["DOTNET_GCHeapHardLimit"];
        Assert.True(MemoryRule.GcHeapHardLimitHex(limit) == gcLimit,
            $"DOTNET_GCHeapHardLimit is {gcLimit}, memory.sh derives {MemoryRule.GcHeapHardLimitHex(limit)} for {limit} bytes");

        // The app learns its limit from the pod spec itself.
        var fromSpec = container["env"]!.AsArray().Single(e => (string)e!["name"]! == "Memory__ContainerLimitBytes")!["valueFrom"]!["resourceFieldRef"]!;
        Assert.Equal("limits.memory", (string?)fromSpec["resource"]);
        Assert.Equal("1", (string?)fromSpec["divisor"]);
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void Workload_RequestsAndLimitsCpuAndMemory(string app)
    {
        var resources = Workload(app).Container()["resources"]!;
        foreach (var kind in new[] { "requests", "limits" })
        {
            Assert.NotNull(resources[kind]?["cpu"]);
            Assert.NotNull(resources[kind]?["memory"]);
        }
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void Workload_Listens8080_AndProbesLiveAndReadyEndpoints(string app)
    {
        var container = Workload(app).Container();
        var port = Assert.Single(container["ports"]!.AsArray())!;
        Assert.Equal(AppFacts.ContainerPort.ToString(CultureInfo.InvariantCulture), (string?)port["containerPort"]);
        var portName = (string)port["name"]!;

        foreach (var (probe, path) in new[] { ("startupProbe", AppFacts.LivePath), ("livenessProbe", AppFacts.LivePath), ("readinessProbe", AppFacts.ReadyPath) })
        {
            var get = container[probe]?["httpGet"] ?? throw new Xunit.Sdk.XunitException($"{app}: no {probe}");
            Assert.Equal(path, (string?)get["path"]);
            Assert.Contains((string?)get["port"], new[] { portName, AppFacts.ContainerPort.ToString(CultureInfo.InvariantCulture) });
        }
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void Workload_RunsNonRoot_ReadOnly_WithoutCapabilities_AndAWritableTmp(string app)
    {
        var pod = Workload(app).PodSpec();
        var container = Workload(app).Container();
        Assert.Equal("true", (string?)pod["securityContext"]!["runAsNonRoot"]);
        Assert.NotEqual("0", (string?)pod["securityContext"]!["runAsUser"]);
        Assert.Equal("true", (string?)container["securityContext"]!["readOnlyRootFilesystem"]);
        Assert.Equal("false", (string?)container["securityContext"]!["allowPrivilegeEscalation"]);
        Assert.Equal(["ALL"], container["securityContext"]!["capabilities"]!["drop"]!.AsArray().Select(c => (string?)c));
        Assert.Contains("/tmp", container["volumeMounts"]!.AsArray().Select(m => (string?)m!["mountPath"]));
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void Workload_TerminationGrace_CoversPreStopDrainAndInFlight(string app)
    {
        var pod = Workload(app).PodSpec();
        var preStop = TimeSpan.FromSeconds(int.Parse((string)Workload(app).Container()["lifecycle"]!["preStop"]!["sleep"]!["seconds"]!, CultureInfo.InvariantCulture));
        var grace = TimeSpan.FromSeconds(int.Parse((string)pod["terminationGracePeriodSeconds"]!, CultureInfo.InvariantCulture));
        Assert.False(Workload(app).Container().Env().Keys.Any(k => k.StartsWith("Shutdown__", StringComparison.Ordinal)),
            "the manifests use the apps' default Shutdown options; update this test if they override them");
        Assert.True(grace >= preStop + AppFacts.DefaultShutdown,
            $"{app}: terminationGracePeriodSeconds {grace.TotalSeconds} < preStop {preStop.TotalSeconds} s + drain and in-flight {AppFacts.DefaultShutdown.TotalSeconds} s");
    }

    [Fact]
    public void Gateway_FindsTheBackendPodsThroughTheHeadlessServicesDns()
    {
        var hpa = Objects.Single("HorizontalPodAutoscaler", "backend");
        Assert.Equal("StatefulSet", (string?)hpa["spec"]!["scaleTargetRef"]!["kind"]);
        Assert.Equal("backend", (string?)hpa["spec"]!["scaleTargetRef"]!["name"]);
        Assert.True(int.Parse((string)hpa["spec"]!["minReplicas"]!, CultureInfo.InvariantCulture) >= 2);

        var headless = (string)Backend["spec"]!["serviceName"]!;
        var service = Objects.Single("Service", headless);
        Assert.Equal("None", (string?)service["spec"]!["clusterIP"]);
        Assert.Equal("true", (string?)service["spec"]!["publishNotReadyAddresses"]);

        // One destination, the headless Service (resolved to every pod), and DNS discovery on, refreshed within seconds.
        var env = Gateway.Container().Env();
        var destination = Assert.Single(env, e => e.Key.StartsWith("ReverseProxy__Clusters__backends__Destinations__", StringComparison.Ordinal));
        var address = new Uri(destination.Value!);
        var host = address.Host;
        Assert.True(host == headless || host.StartsWith(headless + ".", StringComparison.Ordinal), $"{host} is not the headless Service {headless}");
        Assert.Equal(AppFacts.ContainerPort, address.Port);
        var refresh = TimeSpan.Parse(env["Discovery__DnsRefreshPeriod"]!, CultureInfo.InvariantCulture);
        Assert.InRange(refresh, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Backends_AcceptConnectionsOnlyFromGatewayPods()
    {
        var policy = Objects.Single(o => (string?)o["kind"] == "NetworkPolicy"
            && Labels(o["spec"]!["podSelector"]!["matchLabels"]).IsSubsetOf(PodLabels(Backend)));
        Assert.Equal(["Ingress"], policy["spec"]!["policyTypes"]!.AsArray().Select(t => (string?)t));
        var rule = Assert.Single(policy["spec"]!["ingress"]!.AsArray())!;
        var from = Assert.Single(rule["from"]!.AsArray())!;
        Assert.Null(from["namespaceSelector"]);
        Assert.Null(from["ipBlock"]);
        var allowed = Labels(from["podSelector"]!["matchLabels"]);
        Assert.True(allowed.IsSubsetOf(PodLabels(Gateway)), "the allowed pods must be the gateway's");
        Assert.False(allowed.IsSubsetOf(PodLabels(Backend)), "backends must not be allowed to reach each other");
        Assert.Equal(AppFacts.ContainerPort.ToString(CultureInfo.InvariantCulture), (string?)Assert.Single(rule["ports"]!.AsArray())!["port"]);
    }

    [Fact]
    public void ServicesAndDisruptionBudgets_SelectTheirWorkloadsPods()
    {
        foreach (var (kind, name, workload) in new[]
        {
            ("Service", "backend", Backend), ("Service", "gateway", Gateway),
            ("PodDisruptionBudget", "backend", Backend), ("PodDisruptionBudget", "gateway", Gateway),
        })
        {
            var spec = Objects.Single(kind, name)["spec"]!;
            var selector = Labels(kind == "Service" ? spec["selector"] : spec["selector"]!["matchLabels"]);
            Assert.True(selector.Count > 0 && selector.IsSubsetOf(PodLabels(workload)), $"{kind}/{name} does not select its pods");
        }

        var workloadSelector = Labels(Backend["spec"]!["selector"]!["matchLabels"]);
        Assert.True(workloadSelector.IsSubsetOf(PodLabels(Backend)));
        Assert.Equal("1", (string?)Objects.Single("PodDisruptionBudget", "backend")["spec"]!["minAvailable"]);
    }

    private static HashSet<string> PodLabels(JsonObject workload) => Labels(workload["spec"]!["template"]!["metadata"]!["labels"]);

    private static HashSet<string> Labels(JsonNode? labels) =>
        labels!.AsObject().Select(l => $"{l.Key}={l.Value}").ToHashSet();
}
