using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ImageGateway.Backend.Admission;
using ImageGateway.Backend.Decoding;
using ImageGateway.Common.LoadReports;
using ImageGateway.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ImageGateway.Backend.Tests.LoadReports;

/// <summary>
/// The backend's ORCA load report on every response, read by a second implementation of the TEXT
/// form written in Python from the format's grammar (<c>orca_text.py</c>), not by our own parser.
/// </summary>
public sealed class LoadReportHeaderTests : IClassFixture<LoadReportHeaderTests.BudgetFactory>
{
    private const long Budget = 6L * 1024 * 1024;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);
    private readonly BudgetFactory _factory;

    public LoadReportHeaderTests(BudgetFactory factory) => _factory = factory;

    [Theory]
    [InlineData("/health/ready")]
    [InlineData("/health/live")]
    [InlineData("/metrics")]
    public async Task Get_AnyEndpoint_CarriesAWellFormedReportOfTheIdleBudget(string path)
    {
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative)).WaitAsync(TestTimeout);

        var metrics = await ReadWithPythonAsync(Assert.Single(response.Headers.GetValues(LoadReport.HeaderName)));
        Assert.Equal(Budget, metrics.GetProperty("named_metrics.budget_bytes").GetDouble());
        Assert.Equal(0, metrics.GetProperty("named_metrics.reserved_bytes").GetDouble());
        Assert.Equal(0, metrics.GetProperty("named_metrics.queued_bytes").GetDouble());
        Assert.Equal(0, metrics.GetProperty("mem_utilization").GetDouble());
        Assert.InRange(metrics.GetProperty("cpu_utilization").GetDouble(), 0, 1);
    }

    [Fact]
    public async Task Count_RefusedAndCountedUploads_CarryTheReportToo()
    {
        var (png, _) = GeneratedImages.Create(GeneratedKind.PngRgb, 300, 200);
        using var client = _factory.CreateClient();

        using var counted = await client.PostAsync(new Uri("/count-white-pixels", UriKind.Relative), new ByteArrayContent(png)).WaitAsync(TestTimeout);
        using var refused = await client.PostAsync(new Uri("/count-white-pixels", UriKind.Relative), new ByteArrayContent("not an image"u8.ToArray())).WaitAsync(TestTimeout);

        Assert.Equal(System.Net.HttpStatusCode.OK, counted.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
        foreach (var response in new[] { counted, refused })
        {
            var metrics = await ReadWithPythonAsync(Assert.Single(response.Headers.GetValues(LoadReport.HeaderName)));
            Assert.Equal(Budget, metrics.GetProperty("named_metrics.budget_bytes").GetDouble());
            // The request gave its reservation back before its answer started.
            Assert.Equal(0, metrics.GetProperty("named_metrics.reserved_bytes").GetDouble());
        }
    }

    [Fact]
    public async Task Report_WhileARequestHoldsPartOfTheBudget_SaysWhatIsReservedAndQueued()
    {
        var admission = _factory.Services.GetRequiredService<DecodeAdmission>();
        using var held = admission.Begin();
        await held.AddAsync(Budget * 3 / 4, "holding", CancellationToken.None);
        using var waiting = admission.Begin();
        var queued = waiting.AddAsync(Budget / 2, "waiting", CancellationToken.None).AsTask();
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative)).WaitAsync(TestTimeout);

        var metrics = await ReadWithPythonAsync(Assert.Single(response.Headers.GetValues(LoadReport.HeaderName)));
        Assert.Equal(Budget * 3 / 4, metrics.GetProperty("named_metrics.reserved_bytes").GetDouble());
        Assert.Equal(Budget / 2, metrics.GetProperty("named_metrics.queued_bytes").GetDouble());
        Assert.Equal(0.75, metrics.GetProperty("mem_utilization").GetDouble());
        held.Dispose();
        await queued.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task Report_WhileUploadsHoldWorkers_CountsEachAsAtLeastOneDecodeSlot()
    {
        // Two slots per worker; an upload holding a worker but no bytes yet holds one slot's share.
        var pool = _factory.Services.GetRequiredService<DecodeWorkerPool>();
        var slots = 2 * pool.Size;
        using var client = _factory.CreateClient();
        using (await pool.RentAsync(TestTimeout, CancellationToken.None).WaitAsync(TestTimeout))
        {
            using var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative)).WaitAsync(TestTimeout);

            var metrics = await ReadWithPythonAsync(Assert.Single(response.Headers.GetValues(LoadReport.HeaderName)));
            Assert.Equal(slots, metrics.GetProperty("named_metrics.decode_slots").GetDouble());
            Assert.Equal(Budget / slots, metrics.GetProperty("named_metrics.reserved_bytes").GetDouble());
        }
    }

    /// <summary>The metrics the Python reader found in <paramref name="header"/>; fails the test if it refused the value.</summary>
    private static async Task<JsonElement> ReadWithPythonAsync(string header)
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(RepoPaths.Root, "tests", "Backend.Tests", "LoadReports", "orca_text.py"));
        using var python = Process.Start(info)!;
        await python.StandardInput.WriteLineAsync(header);
        python.StandardInput.Close();
        var output = await python.StandardOutput.ReadToEndAsync().WaitAsync(TestTimeout);
        await python.WaitForExitAsync().WaitAsync(TestTimeout);
        Assert.True(python.ExitCode == 0, await python.StandardError.ReadToEndAsync());
        var answer = JsonDocument.Parse(output).RootElement;
        Assert.True(answer.GetProperty("ok").GetBoolean(), $"'{header}': {answer}");
        return answer.GetProperty("metrics");
    }

    public sealed class BudgetFactory : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseSetting("Memory:DecodeBudgetBytes", Budget.ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Admission:QueueTimeout", "00:00:05");
        }
    }
}
