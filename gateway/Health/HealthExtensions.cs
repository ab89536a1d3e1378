using System.Text.Json;
using ImageGateway.Common.Management;
using ImageGateway.Common.Observability;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ImageGateway.Gateway.Health;

public static class HealthExtensions
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    /// <summary>Checks reported on the management port only.</summary>
    public const string DetailTag = "detail";

    /// <summary>
    /// Liveness is "the process serves"; readiness is "it is not stopping". Readiness does NOT follow
    /// the backends: while every backend is down the gateway still answers each upload with
    /// problem+json <c>no-healthy-backend</c> and <c>Retry-After</c>, which an orchestrator that took
    /// it out of rotation would replace with its ingress's bare 503. The backends' state is reported
    /// (Degraded, never Unhealthy) on the management port's detailed <c>/health/ready</c>.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy("The process serves requests."), [LiveTag])
            .AddCheck<BackendAvailabilityHealthCheck>("backends", tags: [DetailTag]);
        return builder;
    }

    /// <summary>
    /// Public port: <c>/health/live</c> and <c>/health/ready</c> with the status only. Management
    /// port: <c>/health/live</c> and <c>/health/ready</c> with every check and its data.
    /// </summary>
    public static IEndpointRouteBuilder MapGatewayHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
            ResponseWriter = HealthResponses.WriteStatusOnlyAsync,
        }).DisableRateLimiting();
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag) || check.Tags.Contains(LiveTag),
            ResponseWriter = HealthResponses.WriteStatusOnlyAsync,
        }).DisableRateLimiting();

        var management = endpoints.MapManagement();
        management.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
            ResponseWriter = WriteJsonAsync,
        });
        management.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = _ => true,
            ResponseWriter = WriteJsonAsync,
        });
        return endpoints;
    }

    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
