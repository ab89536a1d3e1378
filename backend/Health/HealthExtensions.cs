using System.Text.Json;
using ImageGateway.Common.Management;
using ImageGateway.Common.Observability;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ImageGateway.Backend.Health;

public static class HealthExtensions
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    /// <summary>
    /// Liveness: the server answers (a stuck server does not, and fails the probe). Readiness:
    /// started, not draining (<c>shutdown</c>), the worker pool able to serve (<c>decode_workers</c>);
    /// the memory facts are reported beside it. A decode never affects either: it runs in a worker.
    /// </summary>
    public static IHostApplicationBuilder AddBackendHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy("The process serves requests."), [LiveTag])
            .AddCheck<MemoryReadinessCheck>("memory", tags: [ReadyTag])
            .AddCheck<DecodeWorkersReadinessCheck>("decode_workers", tags: [ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Public port (what the gateway's active checks and the orchestrator probe): <c>/health/live</c>
    /// and <c>/health/ready</c> with the status only. Management port: the same checks with their
    /// data (memory facts, budget, queue), as JSON.
    /// </summary>
    public static IEndpointRouteBuilder MapBackendHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
            ResponseWriter = HealthResponses.WriteStatusOnlyAsync,
        });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag) || check.Tags.Contains(LiveTag),
            ResponseWriter = HealthResponses.WriteStatusOnlyAsync,
        });

        var management = endpoints.MapManagement();
        management.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
            ResponseWriter = WriteJsonAsync,
        });
        management.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag) || check.Tags.Contains(LiveTag),
            ResponseWriter = WriteJsonAsync,
        });
        return endpoints;
    }

    /// <summary>
    /// <c>{"status":..., "checks":{name:{"status","description","data":{...}}}}</c>, written with a
    /// <see cref="Utf8JsonWriter"/> (no reflection: the backend is published Native AOT).
    /// </summary>
    private static async Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description);
            json.WriteStartObject("data");
            foreach (var (key, value) in entry.Data)
            {
                json.WritePropertyName(key);
                switch (value)
                {
                    case long number:
                        json.WriteNumberValue(number);
                        break;
                    case int number:
                        json.WriteNumberValue(number);
                        break;
                    case bool flag:
                        json.WriteBooleanValue(flag);
                        break;
                    default:
                        json.WriteStringValue(value?.ToString());
                        break;
                }
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
