using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ImageGateway.Common.Observability;

/// <summary>
/// Health answers shared by both services, written with a <see cref="Utf8JsonWriter"/> (no
/// reflection: the backend is published Native AOT).
/// </summary>
public static class HealthResponses
{
    /// <summary>
    /// The public answer: <c>{"status":"Healthy"}</c> and nothing else (no check names, destinations
    /// or memory facts: those are on the management port).
    /// </summary>
    public static Task WriteStatusOnlyAsync(HttpContext context, HealthReport report) => WriteAsync(context, report, detailed: false);

    /// <summary>
    /// The management port's answer: <c>{"status":..., "checks":{name:{"status","description","data":{...}}}}</c>.
    /// A data value is a number (<see cref="long"/>, <see cref="int"/>), a boolean, an object (a
    /// nested <see cref="IReadOnlyDictionary{TKey, TValue}"/> of string to object, written the same
    /// way), or else its text.
    /// </summary>
    public static Task WriteDetailedAsync(HttpContext context, HealthReport report) => WriteAsync(context, report, detailed: true);

    private static async Task WriteAsync(HttpContext context, HealthReport report, bool detailed)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        if (detailed)
        {
            json.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteStartObject(name);
                json.WriteString("status", entry.Status.ToString());
                json.WriteString("description", entry.Description);
                json.WritePropertyName("data");
                WriteObject(json, entry.Data);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }

    private static void WriteObject(Utf8JsonWriter json, IReadOnlyDictionary<string, object> data)
    {
        json.WriteStartObject();
        foreach (var (key, value) in data)
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
                case IReadOnlyDictionary<string, object> inner:
                    WriteObject(json, inner);
                    break;
                default:
                    json.WriteStringValue(value?.ToString());
                    break;
            }
        }

        json.WriteEndObject();
    }
}
