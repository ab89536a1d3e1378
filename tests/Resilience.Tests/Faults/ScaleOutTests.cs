using System.Globalization;
using System.Text.RegularExpressions;
using ImageGateway.Resilience.Tests.Support;
using ImageGateway.TestSupport.Load;
using ImageGateway.TestSupport;

namespace ImageGateway.Resilience.Tests.Faults;

/// <summary>
/// Capacity from the backends' load reports, on real processes: Native AOT backends in memory cgroups
/// (where the machine allows) and real gateways. Two gateways share two backends under a burst; a
/// small and a large backend take what each can.
/// </summary>
public sealed partial class ScaleOutTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwoGatewaysUnderABurst_ShedTheExcessThemselves_AndBackendsRefuseUnderOnePercent()
    {
        await using var backends = await NativeBackends.StartAsync(output, 50L << 20, 50L << 20);
        if (backends is null)
        {
            return;
        }

        var destinations = backends.Apps.Select(b => b.BaseAddress).ToList();
        // A short queue bound (0.5 s) so that a burst of seconds overloads them on any machine.
        var settings = new Dictionary<string, string> { ["Dispatch__MaxQueueWait"] = "00:00:00.5", ["Dispatch__ShedPause"] = "00:00:00.2" };
        await using var gateway1 = await Stack.StartGatewayAsync(ResilientStack.Configuration, destinations, settings);
        await using var gateway2 = await Stack.StartGatewayAsync(ResilientStack.Configuration, destinations, settings);
        var photo = CraftedImages.NoisePng(420, 420, seed: 3); // ~530 KB: about 1.6 MB of decode cost each

        // 32 impatient clients on each gateway (no pause, Retry-After ignored) for 8 s.
        await using (var load1 = BackgroundLoad.Start(gateway1.BaseAddress, photo, users: 32, pause: TimeSpan.Zero, requestTimeout: TimeSpan.FromSeconds(15)))
        await using (var load2 = BackgroundLoad.Start(gateway2.BaseAddress, photo, users: 32, pause: TimeSpan.Zero, requestTimeout: TimeSpan.FromSeconds(15)))
        {
            await Task.Delay(TimeSpan.FromSeconds(8));
            var outcomes = (await load1.StopAsync()).Concat(await load2.StopAsync()).ToList();
            var backendRefusals = 0L;
            foreach (var backend in backends.Apps)
            {
                backendRefusals += await CounterAsync(backend.ManagementAddress, "overloaded");
            }

            var shedByGateways = outcomes.Count(o => o.Status == 503) - backendRefusals;
            output.WriteLine($"{outcomes.Count} uploads: {outcomes.Count(o => o.Status == 200)} counted, {shedByGateways} shed by the gateways, {backendRefusals} refused by the backends (503 overloaded), " +
                $"others: {string.Join(", ", outcomes.Where(o => o.Status is not (200 or 503)).GroupBy(o => o.Status).Select(g => $"{g.Key} x{g.Count()}"))}");

            Assert.True(outcomes.Count(o => o.Status == 200) > 0, "nothing was counted");
            Assert.True(shedByGateways > 0, "the burst did not overload the gateways, so it proves nothing");
            Assert.True(backendRefusals < 0.01 * outcomes.Count, $"the backends refused {backendRefusals} of {outcomes.Count} uploads themselves");
            Assert.All(outcomes, o => Assert.True(o.Status is 200 or 503, $"unexpected answer: {o}"));
            Assert.All(backends.Cgroups, c => Assert.Equal(0, c?.OomKills ?? 0));
        }
    }

    [Fact]
    public async Task SmallAndLargeBackend_LargeImagesGoOnlyWhereTheyFit()
    {
        await using var backends = await NativeBackends.StartAsync(output, 50L << 20, 256L << 20);
        if (backends is null)
        {
            return;
        }

        var (small, large) = (backends.Apps[0], backends.Apps[1]);
        await using var gateway = await Stack.StartGatewayAsync(ResilientStack.Configuration, [small.BaseAddress, large.BaseAddress]);
        // ~7.7 MB of noise PNG: the body twice (PNG copies its data) plus a 2.6 MB mask is ~18 MB of
        // decode cost, over a 50 MiB backend's 14 MiB budget (it would answer 422), within the large one's.
        var big = CraftedImages.NoisePng(1600, 1600, seed: 5);

        await using (var bigs = BackgroundLoad.Start(gateway.BaseAddress, big, users: 3, pause: TimeSpan.Zero, requestTimeout: TimeSpan.FromSeconds(20)))
        await using (var thumbs = BackgroundLoad.Start(gateway.BaseAddress, Uploads.SmallPng, users: 4, pause: TimeSpan.FromMilliseconds(10)))
        {
            await Task.Delay(TimeSpan.FromSeconds(8));
            var bigOutcomes = await bigs.StopAsync();
            var thumbOutcomes = await thumbs.StopAsync();
            var smallTooLarge = await CounterAsync(small.ManagementAddress, "rejected", "image-too-large");
            output.WriteLine($"large images: {Describe(bigOutcomes)}; thumbnails: {Describe(thumbOutcomes)}; the small backend refused {smallTooLarge} as too large");

            Assert.True(bigOutcomes.Count(o => o.Status == 200) > 0, "no large image was counted");
            Assert.DoesNotContain(bigOutcomes, o => o.Status == 422);
            Assert.Equal(0, smallTooLarge);
            Assert.True(thumbOutcomes.Count(o => o.Status == 200) > 0.95 * thumbOutcomes.Count, Describe(thumbOutcomes));
        }
    }

    private static string Describe(IEnumerable<UploadOutcome> outcomes) =>
        string.Join(", ", outcomes.GroupBy(o => o.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}"));

    /// <summary>The backend's <c>image_gateway_counting_requests_total</c> (scraped from its management port) for <paramref name="outcome"/> (and error type), summed over the other labels.</summary>
    private static async Task<long> CounterAsync(Uri management, string outcome, string? reason = null)
    {
        using var client = new HttpClient { BaseAddress = management, Timeout = TimeSpan.FromSeconds(10) };
        var text = await client.GetStringAsync("/metrics");
        long total = 0;
        foreach (Match line in CounterLine().Matches(text))
        {
            var labels = line.Groups["labels"].Value;
            if (labels.Contains($"image_gateway_outcome=\"{outcome}\"", StringComparison.Ordinal)
                && (reason is null || labels.Contains($"error_type=\"{reason}\"", StringComparison.Ordinal)))
            {
                total += (long)double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    [GeneratedRegex(@"^image_gateway_counting_requests_total\{(?<labels>[^}]*)\} (?<value>[0-9.eE+]+)", RegexOptions.Multiline)]
    private static partial Regex CounterLine();
}
