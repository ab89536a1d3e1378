using ImageGateway.Backend.Tracing;
using ImageGateway.Common.Observability;

namespace ImageGateway.Backend.Metrics;

public static class MetricsExtensions
{
    /// <summary>
    /// Registers <see cref="BackendMetrics"/> and the shared telemetry set-up for the backend
    /// (<c>service.name</c> <c>image-gateway-backend</c>): its own meter and spans, with the runtime's,
    /// ASP.NET Core hosting's and Kestrel's, and the management port
    /// (<see cref="ServiceTelemetryExtensions.AddServiceTelemetry"/>).
    /// </summary>
    public static IHostApplicationBuilder AddBackendMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BackendMetrics>();
        builder.AddServiceTelemetry(
            "image-gateway-backend",
            typeof(BackendMetrics).Assembly,
            meters: [BackendMetrics.MeterName],
            activitySources: [BackendActivities.SourceName]);
        return builder;
    }

    /// <summary>Maps <c>GET /metrics</c> (Prometheus text) on the management port only (<see cref="ServiceTelemetryExtensions.MapServiceMetrics"/>).</summary>
    public static IEndpointRouteBuilder MapBackendMetrics(this IEndpointRouteBuilder endpoints) => endpoints.MapServiceMetrics();
}
