using System.Text.Json;
using System.Text.RegularExpressions;
using ImageGateway.TestSupport;

namespace ImageGateway.Observability.Tests.Logging;

/// <summary>The apps' console logs, as a container runtime collects them: the real processes, their output read.</summary>
public sealed class ConsoleLogFormatTests
{
    private static readonly string Configuration = Stack.Configuration(typeof(ConsoleLogFormatTests).Assembly);

    [Theory]
    [InlineData("backend")]
    [InlineData("gateway")]
    public async Task RefusedUpload_WithTheJsonSwitch_IsOneJsonLineWithTimestampTraceAndSpanIds(string app)
    {
        await using var process = await StartAsync(app, "json");

        using var client = new HttpClient { BaseAddress = process.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.PostAsync("/count-white-pixels", new ByteArrayContent("not an image"u8.ToArray()));
        var traceId = Regex.Match(await response.Content.ReadAsStringAsync(), "\"traceId\":\"00-([0-9a-f]{32})-").Groups[1].Value;
        Assert.NotEmpty(traceId);

        var line = await LineAsync(process, l => l.Contains("not-an-image", StringComparison.Ordinal) && l.StartsWith('{'));
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", root.GetProperty("Timestamp").GetString());
        var scope = root.GetProperty("Scopes").EnumerateArray().Single(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out _));
        Assert.Equal(traceId, scope.GetProperty("TraceId").GetString());
        Assert.Matches("^[0-9a-f]{16}$", scope.GetProperty("SpanId").GetString());
    }

    [Theory]
    [InlineData("backend", "simple")]
    [InlineData("gateway", "simple")]
    [InlineData("backend", "systemd")]
    public async Task StartUpLines_InTheOtherFormats_CarryAUtcTimestamp(string app, string formatter)
    {
        await using var process = await StartAsync(app, formatter);

        // The line naming the event (the simple format writes the message on the next line): the
        // backend's memory budget (event 100) or the gateway's upload limits (event 200).
        var line = await LineAsync(process, l => l.Contains("MemoryBudget[100]", StringComparison.Ordinal) || l.Contains("UploadInspector[200]", StringComparison.Ordinal));

        Assert.Matches(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line);
    }

    private static Task<AppProcess> StartAsync(string app, string formatter)
    {
        // The gateway's only destination does not exist: keep YARP's probe failures (long stack traces)
        // from pushing the lines under test out of the kept output.
        var environment = new Dictionary<string, string> { ["Logging__Console__FormatterName"] = formatter, ["Logging__LogLevel__Yarp"] = "Error" };
        return app == "backend"
            ? AppProcess.StartAsync("backend", Stack.BackendAssembly(Configuration), FreePort.Get(), environment, readyPath: "/health/ready")
            : Stack.StartGatewayAsync(Configuration, [new Uri($"http://127.0.0.1:{FreePort.Get()}")], environment, readyPath: "/health/live");
    }

    private static async Task<string> LineAsync(AppProcess process, Func<string, bool> match)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            if (process.Output.Split(Environment.NewLine).FirstOrDefault(match) is { } line)
            {
                return line;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no such line in:\n{process.Output}");
            await Task.Delay(100);
        }
    }
}
