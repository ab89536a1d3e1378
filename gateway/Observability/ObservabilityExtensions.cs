using ImageGateway.Common.Observability;

namespace ImageGateway.Gateway.Observability;

public static class ObservabilityExtensions
{
    /// <summary>
    /// Registers <see cref="GatewayMetrics"/> and the shared telemetry set-up for the gateway
    /// (<c>service.name</c> <c>image-gateway-gateway</c>): its own meter and spans, ASP.NET Core
    /// hosting, Kestrel and rate limiting, and <c>System.Net.Http</c>, YARP's forwarding client
    /// (YARP 2.3 itself publishes EventCounters only), with the runtime's, the shared ones and the
    /// management port (<see cref="ServiceTelemetryExtensions.AddServiceTelemetry"/>).
    /// </summary>
    public static IHostApplicationBuilder AddGatewayObservability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.AddServiceTelemetry(
            "image-gateway-gateway",
            typeof(GatewayMetrics).Assembly,
            meters: [GatewayMetrics.MeterName, "Microsoft.AspNetCore.RateLimiting", "System.Net.Http"],
            activitySources: [GatewayActivities.SourceName]);
        return builder;
    }

    /// <summary>Maps <c>GET /metrics</c> (Prometheus text) on the management port only (<see cref="ServiceTelemetryExtensions.MapServiceMetrics"/>).</summary>
    public static IEndpointRouteBuilder MapGatewayMetrics(this IEndpointRouteBuilder endpoints) => endpoints.MapServiceMetrics();
}
