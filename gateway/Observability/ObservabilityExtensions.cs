using OpenTelemetry.Metrics;

namespace ImageGateway.Gateway.Observability;

public static class ObservabilityExtensions
{
    /// <summary>The Prometheus scrape path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Registers <see cref="GatewayMetrics"/> and an OpenTelemetry meter provider exporting, in
    /// Prometheus text format: the gateway's own meter, ASP.NET Core hosting, Kestrel and rate
    /// limiting, and <c>System.Net.Http</c>, which is YARP's forwarding client (YARP 2.3 itself
    /// publishes EventCounters only).
    /// </summary>
    public static IHostApplicationBuilder AddGatewayObservability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(
                GatewayMetrics.MeterName,
                "Microsoft.AspNetCore.Hosting",
                "Microsoft.AspNetCore.Server.Kestrel",
                "Microsoft.AspNetCore.RateLimiting",
                "System.Net.Http",
                "System.Runtime")
            .AddPrometheusExporter());
        return builder;
    }

    /// <summary>Maps <c>GET /metrics</c>, outside the rate limiter.</summary>
    public static IEndpointRouteBuilder MapGatewayMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath).DisableRateLimiting();
        return endpoints;
    }
}
