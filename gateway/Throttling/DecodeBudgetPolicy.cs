using System.Threading.RateLimiting;
using ImageGateway.Common.Observability;
using ImageGateway.Common.Problems;
using ImageGateway.Gateway.Inspection;
using ImageGateway.Gateway.Observability;
using ImageGateway.Gateway.Server;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Throttling;

/// <summary>
/// The route policy that weighs uploads by decode cost. The rate-limiting middleware asks one
/// permit of a request's partition; the partition key is the upload's cost in budget permits
/// (from the header the inspection peeked), and every partition is a weighted view of the one
/// <see cref="DecodeBudget"/>, so a 4-megapixel photo holds as much of it as ~260 thumbnails.
/// </summary>
internal sealed class DecodeBudgetPolicy(
    DecodeBudget budget,
    GatewayMetrics metrics,
    RefusalLogSampler logSampler,
    IOptions<ThrottlingOptions> options,
    ILogger<DecodeBudgetPolicy> logger) : IRateLimiterPolicy<int>
{
    private readonly TimeSpan _retryAfter = options.Value.RetryAfter;

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => RejectAsync;

    public RateLimitPartition<int> GetPartition(HttpContext httpContext)
    {
        var permits = budget.PermitsFor(httpContext.Features.Get<InspectedUpload>());
        metrics.Cost(permits);
        return RateLimitPartition.Get(permits, budget.Weighted);
    }

    private async ValueTask RejectAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var upload = http.Features.Get<InspectedUpload>();
        var permits = budget.PermitsFor(upload);
        var statistics = budget.Statistics;
        metrics.Throttled(upload?.Header.Format, "overloaded");
        if (logSampler.ShouldLog("overloaded", out var suppressed))
        {
            ThrottlingLog.Rejected(logger, permits, statistics.CurrentAvailablePermits, statistics.CurrentQueuedCount, budget.TotalPermits, suppressed);
        }

        http.Response.CloseConnectionAfterResponse();
        await ProblemResults.WriteAsync(http, ProblemTypes.Overloaded,
            $"The backends' decode budget ({budget.TotalPermits} permits) and its queue are full; this upload needs {permits} permits. Retry after the indicated delay.",
            _retryAfter);
    }
}

internal static partial class ThrottlingLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information,
        Message = "Decode budget: {TotalPermits} permits of {PermitBytes} bytes for {Backends} backends, queue {QueuePermits} permits")]
    public static partial void Budget(ILogger logger, int totalPermits, int permitBytes, int backends, int queuePermits);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning,
        Message = "Throttled an upload needing {Permits} permits: {Available} available, {Queued} queued of {TotalPermits} ({SuppressedBefore} more were not logged since the last line)")]
    public static partial void Rejected(ILogger logger, int permits, long available, long queued, int totalPermits, long suppressedBefore);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information,
        Message = "Client {ClientKey} over its share: upload needs {Permits} permits, the share is {SharePermits} ({SuppressedBefore} more were not logged since the last line)")]
    public static partial void ClientOverShare(ILogger logger, string clientKey, int permits, int sharePermits, long suppressedBefore);
}
