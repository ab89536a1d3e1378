using System.Net;
using ImageGateway.Gateway.Tests.Infrastructure;
using ImageGateway.TestSupport;

namespace ImageGateway.Gateway.Tests.Forwarding;

/// <summary>
/// Routing around trouble with the shipped health-check settings (active checks every 2 s,
/// unhealthy after 2 failures): a backend whose readiness fails stops receiving uploads within
/// seconds and receives them again once ready.
/// </summary>
public sealed class HealthRoutingTests
{
    [Fact]
    public async Task Upload_WhileOneBackendIsNotReady_GoesToTheOtherUntilItIsReadyAgain()
    {
        await using var first = await RecordingBackend.StartAsync();
        await using var second = await RecordingBackend.StartAsync();
        await using var gateway = GatewayFactory.Start([first.BaseAddress, second.BaseAddress], new Dictionary<string, string?>
        {
            ["Dispatch:ClientShare"] = "0",
        });
        using var client = gateway.CreateLoopbackClient();
        var png = CraftedImages.Png(8, 8, rows: 8);

        second.Ready = false;
        await EventuallyAsync(async () =>
        {
            var before = second.Started;
            await PostManyAsync(client, png, 20);
            return second.Started == before;
        }, "the not-ready backend kept receiving uploads");

        second.Ready = true;
        await EventuallyAsync(async () =>
        {
            var before = second.Started;
            await PostManyAsync(client, png, 20);
            return second.Started > before;
        }, "the backend got no uploads after it was ready again");
    }

    private static async Task PostManyAsync(HttpClient client, byte[] body, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var response = await client.PostAsync("/count-white-pixels", new ByteArrayContent(body), cts.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure + " within 20 s");
            await Task.Delay(250);
        }
    }
}
