using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ImageGateway.Common.Observability;

/// <summary>Health answers shared by both services.</summary>
public static class HealthResponses
{
    /// <summary>
    /// The public answer: <c>{"status":"Healthy"}</c> and nothing else (no check names, destinations
    /// or memory facts: those are on the management port).
    /// </summary>
    public static async Task WriteStatusOnlyAsync(HttpContext context, HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
