using System.Diagnostics;
using System.Globalization;
using System.Net;
using ImageGateway.TestSupport;

namespace ImageGateway.EndToEnd.Tests;

/// <summary>
/// A poison upload through the real gateway and two backends: answered 422 poison-image by the one
/// backend that tried it, never retried on the other (a retry would cost another worker and another
/// deadline of CPU).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class PoisonUploadTests(StackFixture fixture)
{
    [Fact]
    public async Task Post_UploadThatLoopsForEver_Returns422PoisonImage_FromOneBackendOnly()
    {
        var before = await WorkerRestartsAsync();
        var timer = Stopwatch.StartNew();

        using var response = await fixture.Client.PostAsync(new Uri("/count-white-pixels", UriKind.Relative), new ByteArrayContent(HostileImages.EndlessLoopPng()))
            .WaitAsync(TimeSpan.FromSeconds(60));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, "urn:image-gateway:problem:poison-image");
        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(25), $"answered after {timer.Elapsed}");
        // Exactly one worker, on one backend, was killed at its deadline: the gateway did not try the other.
        var after = await WorkerRestartsAsync();
        Assert.Equal(1, after.Sum() - before.Sum());
    }

    /// <summary>Each backend's count of worker restarts, from its <c>/metrics</c>.</summary>
    private async Task<long[]> WorkerRestartsAsync()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var counts = new List<long>();
        foreach (var backend in fixture.Stack.Backends)
        {
            // The replacement is counted once the dead worker's end is classified: give it a moment.
            await Task.Delay(200);
            var text = await client.GetStringAsync(new Uri(backend.BaseAddress, "/metrics"));
            counts.Add(text.Split('\n')
                .Where(l => l.StartsWith("image_gateway_decode_worker_restarts_total", StringComparison.Ordinal))
                .Sum(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)));
        }

        return [.. counts];
    }
}
