using System.Net;
using ImageGateway.TestSupport;

namespace ImageGateway.EndToEnd.Tests;

public sealed class NoHealthyBackendTests
{
    [Fact]
    public async Task Gateway_WhoseOnlyBackendIsDown_IsNotReadyAndAnswers503WithRetryAfter()
    {
        var deadBackend = new Uri($"http://127.0.0.1:{FreePort.Get()}");
        await using var gateway = await Stack.StartGatewayAsync(StackFixture.Configuration, [deadBackend], readyPath: "/health/live");
        using var client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        // Active health checks run every 2 s; wait until the gateway has noticed.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        HttpStatusCode ready;
        do
        {
            using var probe = await client.GetAsync("/health/ready");
            ready = probe.StatusCode;
            if (ready == HttpStatusCode.ServiceUnavailable)
            {
                break;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready);

        using var response = await client.PostAsync("/count-white-pixels", new ByteArrayContent(CraftedImages.Png(8, 8, rows: 8)));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "urn:image-gateway:problem:no-healthy-backend");
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
    }
}
