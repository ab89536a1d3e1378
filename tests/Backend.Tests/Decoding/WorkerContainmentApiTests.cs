using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json;
using ImageGateway.Backend.Decoding;
using ImageGateway.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ImageGateway.Backend.Tests.Decoding;

/// <summary>
/// The worker pool's supervision through the real endpoint, with real worker processes (the JIT
/// form: <c>dotnet ImageGateway.Backend.dll --decode-worker</c>) whose test fault switch is on, so an
/// upload can order its worker to crash or spin. Each fault costs exactly its own upload: a 422
/// poison-image, the body remembered, the worker replaced, readiness untouched, and ordinary uploads
/// beside it counted right.
/// </summary>
[Collection(BackendHostCollection.Name)]
public sealed class WorkerContainmentApiTests(WorkerContainmentApiTests.FaultyWorkersFactory factory) : IClassFixture<WorkerContainmentApiTests.FaultyWorkersFactory>
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);
    private static readonly (byte[] Bytes, long White) Ordinary = GeneratedImages.Create(GeneratedKind.PngRgb, 320, 240, seed: 3);

    [Fact]
    public async Task Upload_CrashingItsWorkerWhileDecoding_Returns422PoisonImage_ThenTheSameBodyIsRefusedWithoutDecoding()
    {
        using var restarts = Collector("image_gateway.decode_worker.restarts");
        using var refusals = Collector("image_gateway.decode_worker.poison_refusals");
        var order = Fault("crash@decode");
        using var client = factory.CreateClient();

        var first = await ProblemAsync(client, order);
        var again = await ProblemAsync(client, order);

        Assert.Equal("urn:image-gateway:problem:poison-image", first.Type);
        Assert.Contains("crashed while decoding", first.Detail, StringComparison.Ordinal);
        Assert.Equal("urn:image-gateway:problem:poison-image", again.Type);
        Assert.Contains("refused without decoding", again.Detail, StringComparison.Ordinal);
        await WaitUntilAsync(() => restarts.GetMeasurementSnapshot().Any(m => (string?)m.Tags["error.type"] == "crash"));
        Assert.Equal(["crash", "known"], refusals.GetMeasurementSnapshot().Select(m => (string)m.Tags["error.type"]!).Order());
        await WaitUntilAsync(() => Pool.Alive == Pool.Size);
    }

    [Fact]
    public async Task Upload_CrashingItsWorkerWhileReadingHeaders_Returns422PoisonImage()
    {
        using var client = factory.CreateClient();

        var problem = await ProblemAsync(client, Fault("crash@identify"));

        Assert.Equal("urn:image-gateway:problem:poison-image", problem.Type);
        Assert.Contains("reading its header", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_SpinningForever_IsKilledAtItsCpuDeadline_AndAnswered422PoisonImage()
    {
        using var restarts = Collector("image_gateway.decode_worker.restarts");
        using var client = factory.CreateClient();
        var timer = Stopwatch.StartNew();

        var problem = await ProblemAsync(client, Fault("hang@decode"));

        Assert.Equal("urn:image-gateway:problem:poison-image", problem.Type);
        Assert.Contains("deadline of 0.5 s of CPU time", problem.Detail, StringComparison.Ordinal);
        // 0.5 s of CPU; a worker sharing a busy machine's cores gets less than one a second.
        Assert.InRange(timer.Elapsed, TimeSpan.FromSeconds(0.5), FaultyWorkersFactory.StallTimeout);
        await WaitUntilAsync(() => restarts.GetMeasurementSnapshot().Any(m => (string?)m.Tags["error.type"] == "deadline"));
    }

    [Fact]
    public async Task Faults_BesideOrdinaryUploads_CostOnlyTheirOwnUpload_AndNeverReadiness()
    {
        using var client = factory.CreateClient();
        using var stop = new CancellationTokenSource();
        var counted = 0;
        var wrong = new List<string>();
        var ordinary = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await client.PostAsync(new Uri("/count-white-pixels", UriKind.Relative), new ByteArrayContent(Ordinary.Bytes));
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.OK && JsonDocument.Parse(body).RootElement.GetProperty("white_pixel_count").GetInt64() == Ordinary.White)
                {
                    counted++;
                }
                else if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    // 503 (both workers busy for the whole queue timeout) is a definite, retryable answer; anything else is not.
                    wrong.Add($"{(int)response.StatusCode}: {body}");
                }
            }
        });
        var readiness = Task.Run(async () =>
        {
            var unready = 0;
            while (!stop.IsCancellationRequested)
            {
                using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                unready += ready.StatusCode == HttpStatusCode.OK ? 0 : 1;
                await Task.Delay(50);
            }

            return unready;
        });

        foreach (var fault in new[] { "crash@decode#a", "hang@decode#b", "crash@identify#c", "crash@decode#d" })
        {
            Assert.Equal("urn:image-gateway:problem:poison-image", (await ProblemAsync(client, Fault(fault), retryWhileOverloaded: true)).Type);
        }

        await stop.CancelAsync();
        await ordinary.WaitAsync(TestTimeout);
        Assert.Empty(wrong);
        Assert.True(counted > 0, "no ordinary upload was counted beside the faults");
        Assert.Equal(0, await readiness.WaitAsync(TestTimeout));
    }

    [Fact]
    public async Task Ready_WhileWorkersAreReplaced_ReportsThePool()
    {
        using var client = factory.CreateManagementClient();

        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative)).WaitAsync(TestTimeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("decode_workers").GetProperty("data");
        Assert.Equal(2, data.GetProperty("workers").GetInt32());
        Assert.True(data.TryGetProperty("worker_pids", out _));
    }

    private DecodeWorkerPool Pool => factory.Services.GetRequiredService<DecodeWorkerPool>();

    /// <summary>A body ordering a fault; the text after '#' only makes bodies differ, so each is decoded once.</summary>
    private static byte[] Fault(string order) => Encoding.ASCII.GetBytes($"IGW-TEST-FAULT:{order.Split('#')[0]}\n{order}");

    private MetricCollector<long> Collector(string instrument) =>
        new(factory.Services.GetRequiredService<IMeterFactory>(), Metrics.BackendMetrics.MeterName, instrument);

    /// <summary>
    /// Posts <paramref name="body"/> and returns its problem, which must be a 422. With
    /// <paramref name="retryWhileOverloaded"/>, a 503 (no worker came free in time: the other one is
    /// busy with ordinary uploads while its sibling is replaced) is retried after its Retry-After, as
    /// a client does.
    /// </summary>
    private static async Task<(string Type, string Detail)> ProblemAsync(HttpClient client, byte[] body, bool retryWhileOverloaded = false)
    {
        var timer = Stopwatch.StartNew();
        while (true)
        {
            using var response = await client.PostAsync(new Uri("/count-white-pixels", UriKind.Relative), new ByteArrayContent(body)).WaitAsync(TestTimeout);
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            if (retryWhileOverloaded && response.StatusCode == HttpStatusCode.ServiceUnavailable && timer.Elapsed < TestTimeout)
            {
                Assert.Equal("urn:image-gateway:problem:overloaded", json.GetProperty("type").GetString());
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                continue;
            }

            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            return (json.GetProperty("type").GetString()!, json.GetProperty("detail").GetString()!);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var timer = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(timer.Elapsed < TestTimeout, "the condition did not come true in time");
            await Task.Delay(20);
        }
    }

    /// <summary>The backend with two workers whose test fault switch is on, and a short CPU deadline.</summary>
    public sealed class FaultyWorkersFactory : WebApplicationFactory<Program>
    {
        public static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(30);

        /// <summary>The in-memory server has no ports: requests of <see cref="CreateManagementClient"/> say they arrived on this one.</summary>
        private const int ManagementPort = 19091;

        /// <summary>A client whose requests arrive on the management port (the detailed health report).</summary>
        public HttpClient CreateManagementClient() =>
            new(Server.CreateHandler(context => context.Connection.LocalPort = ManagementPort)) { BaseAddress = Server.BaseAddress, Timeout = TestTimeout };

        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseSetting("Management:Port", ManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Decoding:Workers", "2");
            builder.UseSetting("Decoding:MinimumDeadline", "00:00:00.500");
            builder.UseSetting("Decoding:StallTimeout", "00:00:30");
            builder.UseSetting("Memory:DecodeBudgetBytes", (64L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.ConfigureTestServices(services =>
                services.AddSingleton(WorkerCommand.Resolve(null, new Dictionary<string, string> { [TestFaults.Variable] = "1" })));
        }
    }
}
