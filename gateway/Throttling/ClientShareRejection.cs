using ImageGateway.Common.Observability;
using ImageGateway.Common.Problems;
using ImageGateway.Gateway.Inspection;
using ImageGateway.Gateway.Observability;
using ImageGateway.Gateway.Server;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Throttling;

/// <summary>The answer to a client over its fair share: 429 problem+json with <c>Retry-After</c>.</summary>
internal static class ClientShareRejection
{
    public static async ValueTask WriteAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var services = http.RequestServices;
        var limiter = services.GetRequiredService<ClientShareLimiter>();
        var budget = services.GetRequiredService<DecodeBudget>();
        var upload = http.Features.Get<InspectedUpload>();
        var key = limiter.LoggableClientKey(http);
        services.GetRequiredService<GatewayMetrics>().Throttled(upload?.Header.Format, "client-over-quota");
        if (services.GetRequiredService<RefusalLogSampler>().ShouldLog("client-over-quota", out var suppressed))
        {
            ThrottlingLog.ClientOverShare(services.GetRequiredService<ILogger<ClientShareLimiter>>(), key, budget.PermitsFor(upload), limiter.SharePermits, suppressed);
        }

        http.Response.CloseConnectionAfterResponse();
        await ProblemResults.WriteAsync(http, ProblemTypes.ClientOverQuota,
            $"This client already holds its share of the decode budget ({limiter.SharePermits} of {budget.TotalPermits} permits); this upload needs {budget.PermitsFor(upload)}. Retry after the indicated delay.",
            services.GetRequiredService<IOptions<ThrottlingOptions>>().Value.RetryAfter);
    }
}
