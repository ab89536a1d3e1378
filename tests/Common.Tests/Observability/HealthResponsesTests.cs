using System.Text;
using ImageGateway.Common.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ImageGateway.Common.Tests.Observability;

/// <summary>The two health answers, written by hand as they must read: the public status only, the management port's every check with its data.</summary>
public sealed class HealthResponsesTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task WriteStatusOnly_AReportWithData_WritesTheStatusAndNothingElse()
    {
        var report = Report(("memory", HealthStatus.Degraded, "low", new Dictionary<string, object> { ["free_bytes"] = 5L }));

        var (body, contentType) = await WriteAsync(HealthResponses.WriteStatusOnlyAsync, report);

        Assert.Equal("""{"status":"Degraded"}""", body);
        Assert.Equal("application/json; charset=utf-8", contentType);
    }

    [Fact]
    public async Task WriteDetailed_NumbersFlagsTextAndNestedObjects_WritesEachAsItsJsonKind()
    {
        var destinations = new Dictionary<string, object>
        {
            ["backend1"] = new Dictionary<string, object> { ["active"] = "Healthy", ["passive"] = "Unknown" },
        };
        var report = Report(
            ("self", HealthStatus.Healthy, "The process serves requests.", new Dictionary<string, object>()),
            ("backends", HealthStatus.Degraded, null, new Dictionary<string, object>
            {
                ["backends"] = new Dictionary<string, object> { ["available"] = 0, ["destinations"] = destinations },
                ["budget_bytes"] = 52_428_800L,
                ["explicit"] = true,
                ["source"] = "cgroup v1 <memory.limit_in_bytes>",
                ["uptime"] = TimeSpan.FromSeconds(90),
            }));

        var (body, _) = await WriteAsync(HealthResponses.WriteDetailedAsync, report);

        // Written with ' for " to read as JSON; the encoder escapes < and > (\u003C, \u003E), as ASP.NET Core's JSON does.
        var expected = ("{'status':'Degraded','checks':{'self':{'status':'Healthy','description':'The process serves requests.','data':{}},"
            + "'backends':{'status':'Degraded','description':null,'data':{'backends':{'available':0,'destinations':{'backend1':{'active':'Healthy','passive':'Unknown'}}},"
            + "'budget_bytes':52428800,'explicit':true,'source':'cgroup v1 \\u003Cmemory.limit_in_bytes\\u003E','uptime':'00:01:30'}}}}").Replace('\'', '"');
        Assert.Equal(
            expected,
            body);
    }

    private static HealthReport Report(params (string Name, HealthStatus Status, string? Description, Dictionary<string, object> Data)[] entries) =>
        new(entries.ToDictionary(e => e.Name, e => new HealthReportEntry(e.Status, e.Description, TimeSpan.Zero, null, e.Data)), TimeSpan.Zero);

    private static async Task<(string Body, string? ContentType)> WriteAsync(Func<HttpContext, HealthReport, Task> writer, HealthReport report)
    {
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;

        await writer(context, report).WaitAsync(TestTimeout);

        return (Encoding.UTF8.GetString(body.ToArray()), context.Response.ContentType);
    }
}
