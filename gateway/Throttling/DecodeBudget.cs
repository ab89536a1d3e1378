using System.Threading.RateLimiting;
using ImageGateway.Gateway.Inspection;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Throttling;

/// <summary>
/// The backends' combined decode memory as one <see cref="ConcurrencyLimiter"/> of permits, with a
/// bounded oldest-first queue. An upload holds permits in proportion to its decode cost from the
/// moment it is admitted until its response is complete.
/// </summary>
public sealed class DecodeBudget : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;
    private readonly ThrottlingOptions _options;

    public DecodeBudget(IOptions<ThrottlingOptions> options, IConfiguration configuration)
    {
        _options = options.Value;
        var backends = _options.BackendCount > 0
            ? _options.BackendCount
            : Math.Max(1, configuration.GetSection($"ReverseProxy:Clusters:{_options.ClusterId}:Destinations").GetChildren().Count());
        Backends = backends;
        TotalPermits = (int)Math.Clamp(_options.DecodeBudgetBytesPerBackend * backends / _options.PermitBytes, 1, int.MaxValue);
        QueuePermits = (int)Math.Min(int.MaxValue, (long)TotalPermits * _options.QueueBudgets);
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = TotalPermits,
            QueueLimit = QueuePermits,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>Backends the budget was sized for.</summary>
    public int Backends { get; }

    /// <summary>The whole budget in permits.</summary>
    public int TotalPermits { get; }

    /// <summary>Permits that queued uploads may wait for, oldest first.</summary>
    public int QueuePermits { get; }

    public RateLimiterStatistics Statistics => _limiter.GetStatistics() ?? new RateLimiterStatistics();

    /// <summary>
    /// Permits <paramref name="upload"/> needs: what a backend reserves for it, its body plus its decode
    /// estimate (the backend's own <see cref="ImageGateway.Common.Imaging.DecodeCostEstimator"/>), in
    /// whole permits, at least 1 and at most the whole budget (an image that alone exceeds it is
    /// admitted only when nothing else runs, and the backend answers it).
    /// </summary>
    public int PermitsFor(InspectedUpload? upload)
    {
        if (upload is null)
        {
            return 1;
        }

        var bytes = upload.BodyBytes + upload.DecodeBytes;
        var permits = (bytes + _options.PermitBytes - 1) / _options.PermitBytes;
        return (int)Math.Clamp(permits, 1, TotalPermits);
    }

    /// <summary>A limiter that takes <paramref name="weight"/> budget permits for every permit asked of it.</summary>
    public RateLimiter Weighted(int weight) => new WeightedRateLimiter(_limiter, weight);

    public void Dispose() => _limiter.Dispose();

    /// <summary>One partition of the budget: all partitions share the one limiter, each at its own weight.</summary>
    private sealed class WeightedRateLimiter(RateLimiter shared, int weight) : RateLimiter
    {
        // Never idle: the partitions are few (one per distinct weight) and own nothing.
        public override TimeSpan? IdleDuration => null;

        public override RateLimiterStatistics? GetStatistics() => shared.GetStatistics();

        protected override RateLimitLease AttemptAcquireCore(int permitCount) =>
            shared.AttemptAcquire(permitCount * weight);

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
            shared.AcquireAsync(permitCount * weight, cancellationToken);
    }
}
