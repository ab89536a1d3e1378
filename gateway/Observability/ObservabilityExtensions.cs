using ImageGateway.Common.Management;
using ImageGateway.Common.Observability;

namespace ImageGateway.Gateway.Observability;

public static class ObservabilityExtensions
{
    /// <summary>
    /// Registers <see cref="GatewayMetrics"/>, the management port and OpenTelemetry for the gateway
    /// (<c>service.name</c> <c>image-gateway-gateway</c>): its own meter and spans, ASP.NET Core
    /// hosting, Kestrel and rate limiting, and <c>System.Net.Http</c>, YARP's forwarding client
    /// (YARP 2.3 itself publishes EventCounters only), with the runtime's and the shared ones
    /// (<see cref="ServiceTelemetryExtensions.AddServiceTelemetry"/>).
    /// </summary>
    public static IHostApplicationBuilder AddGatewayObservability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.AddManagementPort();
        builder.AddServiceTelemetry(
            "image-gateway-gateway",
            typeof(GatewayMetrics).Assembly,
            meters: [GatewayMetrics.MeterName, "Microsoft.AspNetCore.RateLimiting", "System.Net.Http"],
            activitySources: [GatewayActivities.SourceName]);
        return builder;
    }

    /// <summary>Maps <c>GET /metrics</c> (Prometheus text) on the management port only.</summary>
    public static IEndpointRouteBuilder MapGatewayMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapManagement().MapMetrics();
        return endpoints;
    }
}
