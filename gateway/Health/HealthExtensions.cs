using ImageGateway.Common.Observability;

namespace ImageGateway.Gateway.Health;

public static class HealthExtensions
{
    /// <summary>
    /// Liveness is "the process serves"; readiness is "it is not stopping". Readiness does NOT follow
    /// the backends: while every backend is down the gateway still answers each upload with
    /// problem+json <c>no-healthy-backend</c> and <c>Retry-After</c>, which an orchestrator that took
    /// it out of rotation would replace with its ingress's bare 503. The backends' state is reported
    /// (Degraded, never Unhealthy) on the management port's detailed <c>/health/ready</c>.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayHealth(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHealth()
            .AddCheck<BackendAvailabilityHealthCheck>("backends", tags: [ServiceHealthExtensions.DetailTag]);
        return builder;
    }

    /// <summary>
    /// Public port: <c>/health/live</c> and <c>/health/ready</c> with the status only. Management
    /// port: <c>/health/live</c> and <c>/health/ready</c> with every check and its data
    /// (<see cref="ServiceHealthExtensions.MapServiceHealth"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapGatewayHealth(this IEndpointRouteBuilder endpoints) => endpoints.MapServiceHealth();
}
