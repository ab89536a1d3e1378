using ImageGateway.Backend.Tracing;
using ImageGateway.Common.Management;
using ImageGateway.Common.Observability;

namespace ImageGateway.Backend.Metrics;

public static class MetricsExtensions
{
    /// <summary>
    /// Registers <see cref="BackendMetrics"/>, the management port and OpenTelemetry for the backend
    /// (<c>service.name</c> <c>image-gateway-backend</c>): its own meter and spans, with the runtime's,
    /// ASP.NET Core hosting's and Kestrel's (<see cref="ServiceTelemetryExtensions.AddServiceTelemetry"/>).
    /// </summary>
    public static IHostApplicationBuilder AddBackendMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BackendMetrics>();
        builder.AddManagementPort();
        builder.AddServiceTelemetry(
            "image-gateway-backend",
            typeof(BackendMetrics).Assembly,
            meters: [BackendMetrics.MeterName],
            activitySources: [BackendActivities.SourceName]);
        return builder;
    }

    /// <summary>Maps <c>GET /metrics</c> (Prometheus text) on the management port only.</summary>
    public static IEndpointRouteBuilder MapBackendMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapManagement().MapMetrics();
        return endpoints;
    }
}
