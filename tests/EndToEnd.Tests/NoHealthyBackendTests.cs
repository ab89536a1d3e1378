using System.Net;
using ImageGateway.TestSupport;

namespace ImageGateway.EndToEnd.Tests;

public sealed class NoHealthyBackendTests
{
    [Fact]
    public async Task Gateway_WhoseOnlyBackendIsDown_StaysReadyAndAnswers503WithRetryAfter()
    {
        var deadBackend = new Uri($"http://127.0.0.1:{FreePort.Get()}");
        await using var gateway = await Stack.StartGatewayAsync(StackFixture.Configuration, [deadBackend], readyPath: "/health/live");
        using var client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var management = new HttpClient { BaseAddress = gateway.ManagementAddress, Timeout = TimeSpan.FromSeconds(10) };

        // Active health checks run every 2 s; wait until the gateway has noticed (its detailed report says so).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        string detail;
        do
        {
            detail = await management.GetStringAsync("/health/ready");
            if (detail.Contains("\"available\":0", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Contains("\"available\":0", detail, StringComparison.Ordinal);

        // Still ready: the orchestrator keeps routing to it, and clients get our answer, not an ingress's bare 503.
        using var probe = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);

        using var response = await client.PostAsync("/count-white-pixels", new ByteArrayContent(CraftedImages.Png(8, 8, rows: 8)));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "urn:image-gateway:problem:no-healthy-backend");
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
    }
}
