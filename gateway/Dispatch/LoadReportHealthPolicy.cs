using System.Globalization;
using System.Runtime.CompilerServices;
using ImageGateway.Common.LoadReports;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Dispatch;

/// <summary>
/// The active health-check policy <c>LoadReports</c>: learns each probe's load report, and marks a
/// destination unhealthy after <c>ConsecutiveFailuresHealthPolicy.Threshold</c> (cluster metadata,
/// default 2) failed probes in a row and healthy on the first success, as YARP's
/// <c>ConsecutiveFailures</c> policy does (which is internal, so it cannot be wrapped). Every probe not
/// answered 2xx is a failure: a backend's readiness says only whether it can serve (started, not
/// draining, its decode workers alive), never how full it is (that is the report, which dispatch
/// reads), so a full backend stays in rotation. (Before decoding moved into workers, readiness also
/// said "not ready" when the budget was spent, and this policy had to read such a probe as full.)
/// </summary>
internal sealed class LoadReportHealthPolicy(DispatchScheduler scheduler, IDestinationHealthUpdater healthUpdater) : IActiveHealthCheckPolicy
{
    public const string PolicyName = "LoadReports";
    public const string ThresholdMetadata = "ConsecutiveFailuresHealthPolicy.Threshold";

    private readonly ConditionalWeakTable<DestinationState, StrongBox<int>> _failures = new();

    public string Name => PolicyName;

    public void ProbingCompleted(ClusterState cluster, IReadOnlyList<DestinationProbingResult> probingResults)
    {
        if (probingResults.Count == 0)
        {
            return;
        }

        var threshold = cluster.Model?.Config.Metadata?.TryGetValue(ThresholdMetadata, out var text) == true
            && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed > 0 ? parsed : 2;
        var states = new NewActiveDestinationHealth[probingResults.Count];
        for (var i = 0; i < probingResults.Count; i++)
        {
            var result = probingResults[i];
            if (result.Response?.Headers.TryGetValues(LoadReport.HeaderName, out var values) == true
                && LoadReport.TryParse(values.FirstOrDefault(), out var report))
            {
                scheduler.Reported(result.Destination, report);
            }

            var failures = _failures.GetOrCreateValue(result.Destination);
            DestinationHealth health;
            if (result.Response is { IsSuccessStatusCode: true })
            {
                Interlocked.Exchange(ref failures.Value, 0);
                health = DestinationHealth.Healthy;
            }
            else
            {
                health = Interlocked.Increment(ref failures.Value) >= threshold ? DestinationHealth.Unhealthy : result.Destination.Health.Active;
            }

            states[i] = new NewActiveDestinationHealth(result.Destination, health);
        }

        healthUpdater.SetActive(cluster, states);
    }

}
