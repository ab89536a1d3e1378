using System.Reflection;
using ImageGateway.Common.Management;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ImageGateway.Common.Observability;

/// <summary>What both services record and export, set up in one place.</summary>
public static class ServiceTelemetryExtensions
{
    /// <summary>The <c>service.namespace</c> of both services.</summary>
    public const string ServiceNamespace = "image-gateway";

    /// <summary>Traces, metrics and logs also go to this OTLP endpoint when it is set (the SDK's own variable).</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Records spans even without an OTLP endpoint (an exporter added in code, e.g. a test's). Default false.</summary>
    public const string TracingEnabledKey = "Tracing:Enabled";

    /// <summary>The Prometheus scrape path (management port only).</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// The most series (attribute combinations) one instrument keeps. The SDK allocates every
    /// instrument's points up front, 2,000 by default: with ~40 instruments that was ~5 MB of the
    /// backend server's 12 MiB GC heap at rest (measured: large object heap 4.9 MB right after
    /// start), and the server ran out of heap under load. Our attributes are small fixed sets
    /// (formats, reasons, destinations, routes and status codes); past the limit the SDK folds the
    /// rest into one overflow series (<c>otel_metric_overflow="true"</c>) rather than dropping them.
    /// </summary>
    public const int MaxSeriesPerInstrument = 200;

    /// <summary>UTC, ISO 8601, milliseconds: one timestamp form for every console formatter.</summary>
    public const string TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";

    /// <summary>
    /// The management port (<see cref="ManagementExtensions.AddManagementPort"/>, where the metrics are
    /// scraped) and OpenTelemetry for one service: a resource naming it (<c>service.name</c>, <c>service.namespace</c>
    /// <see cref="ServiceNamespace"/>, <c>service.version</c> from <paramref name="serviceAssembly"/>);
    /// metrics from <paramref name="meters"/>, the refusal log sampler, the runtime (<c>System.Runtime</c>,
    /// built into .NET 9+ and Native AOT), ASP.NET Core hosting and Kestrel, exported in Prometheus
    /// text; spans from <paramref name="activitySources"/>, ASP.NET Core and HttpClient, with W3C
    /// trace context. Everything also goes to OTLP when <see cref="OtlpEndpointKey"/> is set (off by
    /// default). Console logs get UTC timestamps in every format, and the JSON format (switch:
    /// <c>Logging__Console__FormatterName=json</c>) carries the trace and span ids.
    /// </summary>
    public static IHostApplicationBuilder AddServiceTelemetry(
        this IHostApplicationBuilder builder, string serviceName, Assembly serviceAssembly, string[] meters, string[] activitySources)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(serviceAssembly);
        builder.AddManagementPort();
        builder.Services.AddOptionsWithValidateOnStart<RefusalLogOptions, RefusalLogOptionsValidator>()
            .Bind(builder.Configuration.GetSection(RefusalLogOptions.SectionName));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RefusalLogSampler>();

        // Timestamps are defaults (a configured Logging:Console:FormatterOptions:TimestampFormat wins);
        // JSON always carries the scopes, where the request's TraceId and SpanId are (ActivityTrackingOptions).
        builder.Services.PostConfigure<SimpleConsoleFormatterOptions>(UtcTimestamps);
        builder.Services.PostConfigure<ConsoleFormatterOptions>(UtcTimestamps);
        builder.Services.PostConfigure<JsonConsoleFormatterOptions>(o =>
        {
            UtcTimestamps(o);
            o.IncludeScopes = true;
        });

        // The switch Logging:Console:FormatterName (json in containers) must hold for the slim
        // builder too (the Native AOT backend), which names its simple formatter in code, after the
        // configuration was read.
        builder.Services.AddOptions<ConsoleLoggerOptions>().PostConfigure<IConfiguration>((options, configuration) =>
        {
            if (configuration["Logging:Console:FormatterName"] is { Length: > 0 } formatter)
            {
                options.FormatterName = formatter;
            }
        });

        var version = serviceAssembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? serviceAssembly.GetName().Version?.ToString() ?? "unknown";
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, ServiceNamespace, version))
            .WithMetrics(metrics => metrics
                .AddMeter(meters)
                .AddMeter(RefusalLogSampler.MeterName, "System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = MaxSeriesPerInstrument })
                .AddPrometheusExporter());

        // Spans are recorded only when they go somewhere: nobody listens to the sources otherwise, so
        // starting one costs next to nothing. Log lines keep their trace ids either way (ASP.NET Core's own
        // request activity continues the caller's traceparent) and YARP still forwards traceparent.
        // (A sampler that drops everything is no substitute: ASP.NET Core then starts a new trace
        // instead of continuing the caller's, and the services' log lines no longer share trace ids.)
        if (IsTracingOn(builder.Configuration))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(activitySources)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => IsTraced(context.Request.Path))
                .AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = request => IsTraced(request.RequestUri?.AbsolutePath)));
        }

        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]))
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Maps <c>GET</c> <see cref="MetricsPath"/> (Prometheus text) on the management port only.</summary>
    public static IEndpointRouteBuilder MapServiceMetrics(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapManagement().MapPrometheusScrapingEndpoint(MetricsPath);
        return endpoints;
    }

    /// <summary>Spans are recorded when they are exported: an OTLP endpoint, or <see cref="TracingEnabledKey"/>.</summary>
    public static bool IsTracingOn(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey])
            || string.Equals(configuration[TracingEnabledKey], "true", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Health probes and scrapes are not traced: every 2 s per backend, they would bury the uploads.</summary>
    private static bool IsTraced(PathString path) =>
        !path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase) && !path.StartsWithSegments(MetricsPath, StringComparison.OrdinalIgnoreCase);

    private static bool IsTraced(string? path) => path is null || IsTraced(new PathString(path));

    private static void UtcTimestamps(ConsoleFormatterOptions options)
    {
        if (options.TimestampFormat is null)
        {
            // The simple format writes the timestamp straight before the level: keep them apart.
            options.TimestampFormat = options is SimpleConsoleFormatterOptions ? TimestampFormat + " " : TimestampFormat;
            options.UseUtcTimestamp = true;
        }
    }
}
