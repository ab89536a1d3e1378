using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using ImageGateway.Gateway.Tests.Infrastructure;
using ImageGateway.Gateway.Throttling;
using ImageGateway.TestSupport;

namespace ImageGateway.Gateway.Tests.Throttling;

/// <summary>Fair share on real Kestrel: a 16-permit budget, each client may hold half of it.</summary>
public sealed class ClientShareTests : IAsyncLifetime
{
    private GatewayWithBackend _stack = null!;

    public async Task InitializeAsync() => _stack = await GatewayWithBackend.StartAsync(new Dictionary<string, string?>
    {
        ["Throttling:DecodeBudgetBytesPerBackend"] = (1024 * 1024).ToString(CultureInfo.InvariantCulture),
        ["Throttling:QueueBudgets"] = "0",
        ["Throttling:ClientShare"] = "0.5",
    });

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Upload_ClientOverItsShare_Returns429WhileAnotherClientIsServed()
    {
        Assert.Equal(8, _stack.Gateway.Services.GetRequiredService<ClientShareLimiter>().SharePermits);
        using var hold = _stack.Backend.Hold();

        // Client "a" fills its share with two thumbnails of four permits each (the backend's decode
        // estimate of a 100x100 PNG is about 209 KB) held at the backend.
        var held = Enumerable.Range(0, 2).Select(_ => _stack.PostAsync(Thumbnail("a"))).ToList();
        await _stack.Backend.WaitForInFlightAsync(2, TimeSpan.FromSeconds(10));

        using var overShare = await _stack.PostAsync(Thumbnail("a"));
        var other = _stack.PostAsync(Thumbnail("b"));
        await _stack.Backend.WaitForInFlightAsync(3, TimeSpan.FromSeconds(10));

        await ProblemAssert.IsProblemAsync(overShare, HttpStatusCode.TooManyRequests, "urn:image-gateway:problem:client-over-quota");
        Assert.NotNull(overShare.Headers.RetryAfter?.Delta);
        hold.Dispose();
        using var otherResponse = await other.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, otherResponse.StatusCode);
        foreach (var request in held)
        {
            using var response = await request.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(3, _stack.Backend.Received.Count);
    }

    private static ByteArrayContent Thumbnail(string apiKey)
    {
        var content = new ByteArrayContent(CraftedImages.Png(100, 100, rows: 1));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        content.Headers.Add("X-Api-Key", apiKey);
        return content;
    }
}
