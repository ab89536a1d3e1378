using System.Globalization;
using System.Net.Http.Headers;
using ImageGateway.TestSupport;

namespace ImageGateway.Observability.Tests.Prometheus;

/// <summary>
/// The real apps as processes (two backends, each in a 256 MiB memory cgroup where the machine allows,
/// and a gateway with a small decode budget so that uploads queue and some are shed), a real Prometheus
/// scraping their management ports every second, and a few seconds of mixed uploads: every format,
/// too-large and not-an-image refusals (more than the log sampler's share), more than the budget holds.
/// </summary>
public sealed class ObservedStack : IAsyncLifetime
{
    private static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(8);
    private readonly List<AppProcess> _backends = [];
    private readonly List<MemoryCgroup> _cgroups = [];

    public AppProcess Gateway { get; private set; } = null!;

    public IReadOnlyList<AppProcess> Backends => _backends;

    public PrometheusServer Prometheus { get; private set; } = null!;

    /// <summary>When the load started and ended.</summary>
    public DateTimeOffset LoadStart { get; private set; }

    public DateTimeOffset LoadEnd { get; private set; }

    /// <summary>Why the backends run without memory cgroups, or null.</summary>
    public string? WhyNoCgroup { get; private set; }

    /// <summary>Answers by status code during the load.</summary>
    public IReadOnlyDictionary<int, int> Answers { get; private set; } = new Dictionary<int, int>();

    public async Task InitializeAsync()
    {
        var configuration = Stack.Configuration(typeof(ObservedStack).Assembly);
        const long limit = 256L * 1024 * 1024; // the JIT backend needs more than the native one's 50 MiB
        for (var i = 1; i <= 2; i++)
        {
            var cgroup = MemoryCgroup.TryCreate($"observed-backend{i}", limit, out var whyNot);
            WhyNoCgroup ??= whyNot;
            var environment = new Dictionary<string, string>
            {
                ["DOTNET_GCHeapHardLimit"] = MemoryRule.GcHeapHardLimitHex(limit),
                // Without a cgroup the limit is configured, so the limit series still exists.
                ["Memory__ContainerLimitBytes"] = limit.ToString(CultureInfo.InvariantCulture),
                ["Logging__LogLevel__Default"] = "Warning",
                // The smallest budget a backend starts with: the load below does not fit at once.
                ["Memory__DecodeBudgetBytes"] = "4194304",
            };
            if (cgroup is not null)
            {
                _cgroups.Add(cgroup);
            }

            _backends.Add(await AppProcess.StartAsync($"backend{i}", Stack.BackendAssembly(configuration), FreePort.Get(), environment, cgroup, "/health/ready"));
        }

        Gateway = await Stack.StartGatewayAsync(configuration, _backends.Select(b => b.BaseAddress), new Dictionary<string, string>
        {
            // No waiting for capacity (0 s bound) and no pause before a shed answer: whatever does not fit
            // the two 4 MiB budgets at once is shed, so the shed panels have data.
            ["Dispatch__MaxQueueWait"] = "00:00:00",
            ["Dispatch__ShedPause"] = "00:00:00",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        Prometheus = await PrometheusServer.StartAsync([Gateway.ManagementAddress], [.. _backends.Select(b => b.ManagementAddress)], TimeSpan.FromSeconds(30));

        // A few scrapes before the load, so rates have a start.
        await Task.Delay(TimeSpan.FromSeconds(3));
        LoadStart = DateTimeOffset.UtcNow;
        Answers = await LoadAsync(Gateway.BaseAddress, LoadDuration);
        LoadEnd = DateTimeOffset.UtcNow;
        // Last scrapes after the load (1 s interval).
        await Task.Delay(TimeSpan.FromSeconds(3));
    }

    public async Task DisposeAsync()
    {
        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }

        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }

        foreach (var cgroup in _cgroups)
        {
            cgroup.Dispose();
        }
    }

    private static async Task<IReadOnlyDictionary<int, int>> LoadAsync(Uri gateway, TimeSpan duration)
    {
        byte[][] uploads =
        [
            .. new[]
            {
                "pngsuite/basn6a08.png", "libjpeg-turbo/testorig.jpg", "pillow/chi.gif", "bmpsuite/g/pal4.bmp",
                "pillow/flower.webp", "libjpeg-turbo/testorig.ppm",
            }.Select(p => File.ReadAllBytes(CorpusManifest.Get(p).FullPath)),
            GeneratedImages.Create(GeneratedKind.PngRgb, 640, 480).Bytes, // about 0.5 MiB of decode cost
            GeneratedImages.Create(GeneratedKind.PngRgb, 1500, 1000).Bytes, // about 1.7 MiB: a 4 MiB budget holds two
            GeneratedImages.Create(GeneratedKind.PngRgb, 1000, 1500).Bytes,
            CraftedImages.Png(20_000, 20_000), // image-too-large
            "not an image at all"u8.ToArray(), // not-an-image
        ];
        var answers = new Dictionary<int, int>();
        using var client = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(10) };
        var end = DateTime.UtcNow + duration;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
        {
            for (var i = worker; DateTime.UtcNow < end; i++)
            {
                using var content = new ByteArrayContent(uploads[i % uploads.Length]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                try
                {
                    using var response = await client.PostAsync("/count-white-pixels", content);
                    lock (answers)
                    {
                        answers[(int)response.StatusCode] = answers.GetValueOrDefault((int)response.StatusCode) + 1;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    lock (answers)
                    {
                        answers[0] = answers.GetValueOrDefault(0) + 1;
                    }
                }
            }
        }));
        return answers;
    }
}
