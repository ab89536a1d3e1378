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
    public void Backend_MemoryLimit_EqualsRequest_AndMemorySplitFollowsMemoryRule()
    {
        var container = Backend.Container();
        var limit = MemoryRule.KubernetesBytes((string)container["resources"]!["limits"]!["memory"]!);
        Assert.Equal(50L << 20, limit);
        Assert.Equal(limit, MemoryRule.KubernetesBytes((string)container["resources"]!["requests"]!["memory"]!));
        // The memory split: every variable memory.sh derives for this limit and the pod's CPU limit.
        var cpus = (int)Math.Ceiling(KubernetesCpus((string)container["resources"]!["limits"]!["cpu"]!));
        var env = container.Env();
        foreach (var (key, value) in MemoryRule.BackendEnvironment(limit, cpus).Where(v => v.Key != "Memory__ContainerLimitBytes"))
        {
            Assert.True(env.TryGetValue(key, out var stated) && stated == value,
                $"{key} is {(stated ?? "not set")}, memory.sh derives {value} for {limit} bytes and {cpus} CPUs");
        }

        // The app learns its limit from the pod spec itself.
        var fromSpec = container["env"]!.AsArray().Single(e => (string)e!["name"]! == "Memory__ContainerLimitBytes")!["valueFrom"]!["resourceFieldRef"]!;
        Assert.Equal("limits.memory", (string?)fromSpec["resource"]);
        Assert.Equal("1", (string?)fromSpec["divisor"]);
    }

    /// <summary>A Kubernetes CPU quantity (<c>1</c>, <c>500m</c>) in cores.</summary>
    private static double KubernetesCpus(string value) =>
        value.EndsWith('m') ? double.Parse(value[..^1], CultureInfo.InvariantCulture) / 1000 : double.Parse(value, CultureInfo.InvariantCulture);

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
        var port = Assert.Single(container["ports"]!.AsArray(), p => (string?)p!["containerPort"] == AppFacts.ContainerPort.ToString(CultureInfo.InvariantCulture))!;
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
    public void Backends_AcceptThePublicPortOnlyFromGatewayPods_AndTheManagementPortOnlyFromPrometheus()
    {
        var policy = Objects.Single(o => (string?)o["kind"] == "NetworkPolicy"
            && Labels(o["spec"]!["podSelector"]!["matchLabels"]).IsSubsetOf(PodLabels(Backend)));
        Assert.Equal(["Ingress"], policy["spec"]!["policyTypes"]!.AsArray().Select(t => (string?)t));
        var rules = policy["spec"]!["ingress"]!.AsArray().ToDictionary(r => (string)Assert.Single(r!["ports"]!.AsArray())!["port"]!, r => r!);
        Assert.Equal([AppFacts.ContainerPort.ToString(CultureInfo.InvariantCulture), AppFacts.ManagementPort.ToString(CultureInfo.InvariantCulture)], rules.Keys.Order());

        var fromGateway = Assert.Single(rules[AppFacts.ContainerPort.ToString(CultureInfo.InvariantCulture)]["from"]!.AsArray())!;
        Assert.Null(fromGateway["namespaceSelector"]);
        Assert.Null(fromGateway["ipBlock"]);
        var allowed = Labels(fromGateway["podSelector"]!["matchLabels"]);
        Assert.True(allowed.IsSubsetOf(PodLabels(Gateway)), "the allowed pods must be the gateway's");
        Assert.False(allowed.IsSubsetOf(PodLabels(Backend)), "backends must not be allowed to reach each other");

        // The scraper: Prometheus's pods in the monitoring namespace, both selectors in one term (AND), no address range.
        var scraper = Assert.Single(rules[AppFacts.ManagementPort.ToString(CultureInfo.InvariantCulture)]["from"]!.AsArray())!;
        Assert.Null(scraper["ipBlock"]);
        Assert.Equal(["kubernetes.io/metadata.name=monitoring"], Labels(scraper["namespaceSelector"]!["matchLabels"]));
        Assert.Equal(["app.kubernetes.io/name=prometheus"], Labels(scraper["podSelector"]!["matchLabels"]));
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void Workload_ServesTheManagementPort_AndItsServiceNamesIt(string app)
    {
        var port = Assert.Single(Workload(app).Container()["ports"]!.AsArray(), p => (string?)p!["name"] == "management")!;
        Assert.Equal(AppFacts.ManagementPort.ToString(CultureInfo.InvariantCulture), (string?)port["containerPort"]);

        var service = Objects.Single("Service", app);
        var servicePort = Assert.Single(service["spec"]!["ports"]!.AsArray(), p => (string?)p!["name"] == "management")!;
        Assert.Equal("management", (string?)servicePort["targetPort"]);
    }

    [Fact]
    public void ServiceMonitor_ScrapesMetricsOnTheManagementPortOfBothServices()
    {
        var monitoring = Path.Combine(DeployFiles.KubernetesFolder, "monitoring");
        var kustomization = DeployFiles.ReadYaml(Path.Combine(monitoring, "kustomization.yaml")).Single();
        Assert.Equal(["../", "servicemonitor.yaml"], kustomization["resources"]!.AsArray().Select(r => (string?)r));
        var monitor = DeployFiles.ReadYaml(Path.Combine(monitoring, "servicemonitor.yaml")).Single();
        Assert.Equal("ServiceMonitor", (string?)monitor["kind"]);

        var endpoint = Assert.Single(monitor["spec"]!["endpoints"]!.AsArray())!;
        Assert.Equal("management", (string?)endpoint["port"]);
        Assert.Equal(AppFacts.MetricsPath, (string?)endpoint["path"]);

        // Its selector picks exactly the two Services (job="gateway" and job="backend", after their names).
        var selected = Objects.Where(o => (string?)o["kind"] == "Service" && Matches(monitor["spec"]!["selector"]!, o["metadata"]!["labels"]!))
            .Select(o => (string)o["metadata"]!["name"]!).Order();
        Assert.Equal(["backend", "gateway"], selected);
    }

    [Fact]
    public void Objects_CarryTheRecommendedLabels_OnThemAndOnTheirPods()
    {
        string[] keys = ["name", "instance", "version", "component", "part-of", "managed-by"];
        var labelled = Objects.Where(o => (string?)o["kind"] != "Namespace")
            .SelectMany(o => new[] { ($"{o["kind"]}/{o["metadata"]!["name"]}", o["metadata"]!["labels"]) }
                .Concat(o["spec"]?["template"]?["metadata"]?["labels"] is { } pod ? [($"{o["kind"]}/{o["metadata"]!["name"]} pods", pod)] : []))
            .ToList();
        foreach (var (what, labels) in labelled)
        {
            foreach (var key in keys)
            {
                Assert.True(labels?[$"app.kubernetes.io/{key}"] is not null, $"{what} has no app.kubernetes.io/{key}");
            }

            Assert.Equal("image-gateway", (string?)labels!["app.kubernetes.io/part-of"]);
        }

        // One release: instance, version and managed-by agree everywhere.
        foreach (var key in new[] { "instance", "version", "managed-by" })
        {
            Assert.Single(labelled.Select(l => (string?)l.Item2![$"app.kubernetes.io/{key}"]).Distinct());
        }
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void Workload_SpreadsItsPodsOverNodesAndZones(string app)
    {
        var constraints = Workload(app).PodSpec()["topologySpreadConstraints"]!.AsArray();

        foreach (var key in new[] { "kubernetes.io/hostname", "topology.kubernetes.io/zone" })
        {
            var constraint = Assert.Single(constraints, c => (string?)c!["topologyKey"] == key)!;
            Assert.Equal("1", (string?)constraint["maxSkew"]);
            Assert.True(Labels(constraint["labelSelector"]!["matchLabels"]).IsSubsetOf(PodLabels(Workload(app))));
        }
    }

    [Fact]
    public void Backend_IsGuaranteedQoS_RequestsEqualLimits()
    {
        var resources = Backend.Container()["resources"]!;
        foreach (var resource in new[] { "cpu", "memory" })
        {
            Assert.Equal((string?)resources["limits"]![resource], (string?)resources["requests"]![resource]);
        }
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

    /// <summary>Whether a label selector (matchLabels and matchExpressions with In) selects <paramref name="labels"/>.</summary>
    private static bool Matches(JsonNode selector, JsonNode labels)
    {
        var have = labels.AsObject().ToDictionary(l => l.Key, l => (string?)l.Value);
        var matchLabels = selector["matchLabels"]?.AsObject().All(l => have.GetValueOrDefault(l.Key) == (string?)l.Value) ?? true;
        var expressions = (selector["matchExpressions"]?.AsArray() ?? []).All(e =>
            (string?)e!["operator"] == "In" && e["values"]!.AsArray().Select(v => (string?)v).Contains(have.GetValueOrDefault((string)e["key"]!)));
        return matchLabels && expressions;
    }

    private static HashSet<string> PodLabels(JsonObject workload) => Labels(workload["spec"]!["template"]!["metadata"]!["labels"]);

    private static HashSet<string> Labels(JsonNode? labels) =>
        labels!.AsObject().Select(l => $"{l.Key}={l.Value}").ToHashSet();
}
