using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using ImageGateway.Backend.Admission;
using ImageGateway.Backend.Metrics;
using ImageGateway.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ImageGateway.Backend.Tests.Admission;

/// <summary>The counting endpoint with a small decode budget: every side of admission, over real HTTP in memory.</summary>
[Collection(BackendHostCollection.Name)]
public sealed class AdmissionApiTests : IClassFixture<AdmissionApiTests.SmallBudgetFactory>
{
    private const long Budget = 8L * 1024 * 1024;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);
    private readonly SmallBudgetFactory _factory;

    public AdmissionApiTests(SmallBudgetFactory factory) => _factory = factory;

    [Fact]
    public async Task Count_ImageThatFitsTheBudget_Returns200WithTheConstructedCount()
    {
        var (bytes, white) = GeneratedImages.Create(GeneratedKind.PngRgb, 1000, 700);
        using var collector = new MetricCollector<long>(_factory.Services.GetRequiredService<IMeterFactory>(), BackendMetrics.MeterName, "image_gateway.counting.requests");
        using var client = _factory.CreateClient();

        using var response = await client.PostAsync(new Uri("/count-white-pixels", UriKind.Relative), new ByteArrayContent(bytes)).WaitAsync(TestTimeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(white, json.GetProperty("white_pixel_count").GetInt64());
        Assert.Contains(collector.GetMeasurementSnapshot(), m => m.Tags["image_gateway.outcome"] as string == "counted" && !m.Tags.ContainsKey("error.type") && m.Value == 1);
    }

    [Fact]
    public async Task Count_ImageThatCouldNeverFitTheBudget_Returns422WithTheBudgetInTheDetail()
    {
        // 2000x1500 RGB needs 9 MB of pixels alone: over the 8 MiB budget, however idle the backend is.
        var (bytes, _) = GeneratedImages.Create(GeneratedKind.PngRgb, 2000, 1500);
        using var client = _factory.CreateClient();

        using var response = await client.PostAsync(new Uri("/count-white-pixels", UriKind.Relative), new ByteArrayContent(bytes)).WaitAsync(TestTimeout);

        var problem = await ProblemOf(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("urn:image-gateway:problem:image-too-large", problem.GetProperty("type").GetString());
        Assert.Contains(Budget.ToString(CultureInfo.InvariantCulture), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Count_ContentLengthOverTheBudget_Returns413WithTheLimit()
    {
        using var client = _factory.CreateClient();
        using var content = new ByteArrayContent(new byte[Budget + 1]);

        using var response = await client.PostAsync(new Uri("/count-white-pixels", UriKind.Relative), content).WaitAsync(TestTimeout);

        var problem = await ProblemOf(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains(Budget.ToString(CultureInfo.InvariantCulture), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Count_BudgetHeldLongerThanTheQueueTimeout_Returns503WithRetryAfter_AndReadyStays200()
    {
        var admission = _factory.Services.GetRequiredService<DecodeAdmission>();
        var (bytes, _) = GeneratedImages.Create(GeneratedKind.PngRgb, 300, 200);
        using var client = _factory.CreateClient();
        using (var holder = admission.Begin())
        {
            await holder.AddAsync(Budget, "a test that holds the whole budget", CancellationToken.None);

            using var response = await client.PostAsync(new Uri("/count-white-pixels", UriKind.Relative), new ByteArrayContent(bytes)).WaitAsync(TestTimeout);
            var problem = await ProblemOf(response, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("urn:image-gateway:problem:overloaded", problem.GetProperty("type").GetString());
            Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);

            // Load is not readiness (issue 10 item 3): a full budget is for load reports, not for taking the backend out of rotation.
            using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative)).WaitAsync(TestTimeout);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        using var readyAgain = await client.GetAsync(new Uri("/health/ready", UriKind.Relative)).WaitAsync(TestTimeout);
        Assert.Equal(HttpStatusCode.OK, readyAgain.StatusCode);
    }

    [Fact]
    public async Task Ready_OnThePublicPort_ReportsTheStatusOnly()
    {
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative)).WaitAsync(TestTimeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"Healthy"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_OnThePublicPort_Is404()
    {
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative)).WaitAsync(TestTimeout);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Count_OnTheManagementPort_Is404()
    {
        using var client = _factory.CreateManagementClient();

        using var response = await client.PostAsync(new Uri("/count-white-pixels", UriKind.Relative), new ByteArrayContent([1, 2, 3])).WaitAsync(TestTimeout);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Ready_OnTheManagementPort_ReportsContainerLimitHeapLimitAndBudget()
    {
        using var client = _factory.CreateManagementClient();

        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative)).WaitAsync(TestTimeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("memory").GetProperty("data");
        Assert.Equal(Budget, data.GetProperty("decode_budget_bytes").GetInt64());
        Assert.Equal(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, data.GetProperty("gc_heap_hard_limit_bytes").GetInt64());
        Assert.True(data.TryGetProperty("container_limit_bytes", out _));
        Assert.True(data.TryGetProperty("container_limit_source", out _));
    }

    [Fact]
    public async Task Metrics_OnTheManagementPortAfterARequest_ArePrometheusTextWithBudgetHttpAndRuntimeMetrics()
    {
        using var client = _factory.CreateClient();
        using var count = await client.PostAsync(new Uri("/count-white-pixels", UriKind.Relative), new ByteArrayContent(File.ReadAllBytes(CorpusManifest.Get("pngsuite/basn2c08.png").FullPath))).WaitAsync(TestTimeout);
        Assert.Equal(HttpStatusCode.OK, count.StatusCode);
        using var management = _factory.CreateManagementClient();

        using var response = await management.GetAsync(new Uri("/metrics", UriKind.Relative)).WaitAsync(TestTimeout);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"image_gateway_admission_budget_limit_bytes{{otel_scope_name=\"{BackendMetrics.MeterName}\"}} {Budget}", text, StringComparison.Ordinal);
        foreach (var name in new[]
        {
            "image_gateway_counting_requests_total{", "image_gateway_decode_duration_seconds_bucket{", "image_gateway_admission_budget_usage_bytes{",
            "image_gateway_admission_queue_usage_bytes{", "image_gateway_admission_wait_duration_seconds_bucket{", "image_gateway_decode_active{",
            "http_server_request_duration_seconds_bucket{", "dotnet_gc_last_collection_heap_size_bytes{",
            "target_info{service_name=\"image-gateway-backend\",service_namespace=\"image-gateway\",service_version=",
        })
        {
            Assert.Contains(name, text, StringComparison.Ordinal);
        }
    }

    private static async Task<JsonElement> ProblemOf(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement;
    }

    public sealed class SmallBudgetFactory : WebApplicationFactory<Program>
    {
        /// <summary>The in-memory server has no ports: requests of <see cref="CreateManagementClient"/> say they arrived on this one.</summary>
        private const int ManagementPort = 19090;

        /// <summary>A client whose requests arrive on the management port.</summary>
        public HttpClient CreateManagementClient() =>
            new(Server.CreateHandler(context => context.Connection.LocalPort = ManagementPort)) { BaseAddress = Server.BaseAddress, Timeout = TestTimeout };

        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseSetting("Management:Port", ManagementPort.ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Memory:DecodeBudgetBytes", Budget.ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Admission:QueueTimeout", "00:00:00.200");
            builder.UseSetting("Decoding:Workers", "1");
        }
    }
}
