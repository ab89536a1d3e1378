using OpenTelemetry.Metrics;

namespace ImageGateway.Backend.Metrics;

public static class MetricsExtensions
{
    public const string Route = "/metrics";

    /// <summary>Registers <see cref="BackendMetrics"/> and the OpenTelemetry Prometheus exporter.</summary>
    public static IHostApplicationBuilder AddBackendMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BackendMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(BackendMetrics.MeterName)
            .AddPrometheusExporter());
        return builder;
    }

    /// <summary>Maps <c>GET /metrics</c> in Prometheus text format.</summary>
    public static IEndpointRouteBuilder MapBackendMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint(Route);
        return endpoints;
    }
}
