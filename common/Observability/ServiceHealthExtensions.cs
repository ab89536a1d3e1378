using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using ImageGateway.Common.Management;

namespace ImageGateway.Common.Observability;

/// <summary>
/// The health set-up both services share: the tags, the one liveness check, and the four endpoints.
/// Each service adds only its own checks (<c>AddGatewayHealth</c>, <c>AddBackendHealth</c>).
/// </summary>
public static class ServiceHealthExtensions
{
    /// <summary>Checks that say the process serves: <c>/health/live</c>.</summary>
    public const string LiveTag = "live";

    /// <summary>Checks that say it should get traffic: <c>/health/ready</c> (with the live ones).</summary>
    public const string ReadyTag = "ready";

    /// <summary>Checks reported on the management port only; readiness does not depend on them.</summary>
    public const string DetailTag = "detail";

    /// <summary>
    /// Registers the health checks with the liveness check every service has (<c>self</c>: the process
    /// serves requests; a stuck server does not answer, and fails the probe). Returns the builder, for
    /// the service's own checks.
    /// </summary>
    public static IHealthChecksBuilder AddServiceHealth(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy("The process serves requests."), [LiveTag]);
    }

    /// <summary>
    /// Public port (what load balancers and orchestrators probe): <c>/health/live</c> (checks tagged
    /// <see cref="LiveTag"/>) and <c>/health/ready</c> (<see cref="ReadyTag"/> or <see cref="LiveTag"/>),
    /// the status only, never rate limited. Management port: <c>/health/live</c> the same checks, and
    /// <c>/health/ready</c> every check (<see cref="DetailTag"/> ones too), each with its data, as JSON.
    /// </summary>
    public static IEndpointRouteBuilder MapServiceHealth(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = IsLive,
            ResponseWriter = HealthResponses.WriteStatusOnlyAsync,
        }).DisableRateLimiting();
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = IsReady,
            ResponseWriter = HealthResponses.WriteStatusOnlyAsync,
        }).DisableRateLimiting();

        var management = endpoints.MapManagement();
        management.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = IsLive,
            ResponseWriter = HealthResponses.WriteDetailedAsync,
        });
        management.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = _ => true,
            ResponseWriter = HealthResponses.WriteDetailedAsync,
        });
        return endpoints;
    }

    private static bool IsLive(HealthCheckRegistration check) => check.Tags.Contains(LiveTag);

    private static bool IsReady(HealthCheckRegistration check) => check.Tags.Contains(ReadyTag) || check.Tags.Contains(LiveTag);
}
