using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using ImageGateway.Gateway.Inspection;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Throttling;

/// <summary>
/// Fair share: each client (API key header, else remote address) may hold at most
/// <see cref="ThrottlingOptions.ClientShare"/> of the decode budget at once, weighed like the budget
/// itself. A concurrency limiter per client without a queue, so a client over its share is told
/// at once (429) while other clients' uploads go on. Installed as the global limiter, chained
/// before the route's <see cref="DecodeBudgetPolicy"/>.
/// </summary>
public sealed class ClientShareLimiter : PartitionedRateLimiter<HttpContext>
{
    private readonly DecodeBudget _budget;
    private readonly PartitionedRateLimiter<HttpContext> _clients;
    private readonly string _keyHeader;

    public ClientShareLimiter(DecodeBudget budget, IOptions<ThrottlingOptions> options)
    {
        _budget = budget;
        _keyHeader = options.Value.ClientKeyHeader;
        SharePermits = Math.Max(1, (int)(budget.TotalPermits * options.Value.ClientShare));
        _clients = PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetConcurrencyLimiter(
            ClientKey(context),
            _ => new ConcurrencyLimiterOptions { PermitLimit = SharePermits, QueueLimit = 0 }));
    }

    /// <summary>Permits one client may hold.</summary>
    public int SharePermits { get; }

    /// <summary>The key a request is counted under.</summary>
    public string ClientKey(HttpContext context) =>
        context.Request.Headers[_keyHeader] is { Count: > 0 } key && !string.IsNullOrWhiteSpace(key)
            ? "key:" + key
            : "ip:" + context.Connection.RemoteIpAddress;

    /// <summary>The client key as it may be logged: an API key only as a short hash of it.</summary>
    public string LoggableClientKey(HttpContext context)
    {
        var key = ClientKey(context);
        return key.StartsWith("key:", StringComparison.Ordinal)
            ? "key#" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..8]
            : key;
    }

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => _clients.GetStatistics(resource);

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) =>
        _clients.AttemptAcquire(resource, Weight(resource, permitCount));

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        _clients.AcquireAsync(resource, Weight(resource, permitCount), cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _clients.Dispose();
        }
    }

    protected override ValueTask DisposeAsyncCore() => _clients.DisposeAsync();

    /// <summary>A request costs its upload's budget permits, capped at the share (a bigger one runs alone).</summary>
    private int Weight(HttpContext context, int permitCount) =>
        permitCount == 0 ? 0 : Math.Min(SharePermits, _budget.PermitsFor(context.Features.Get<InspectedUpload>()) * permitCount);
}
