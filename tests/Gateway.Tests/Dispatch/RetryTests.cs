using System.Net;
using ImageGateway.Gateway.Tests.Infrastructure;
using ImageGateway.TestSupport;

namespace ImageGateway.Gateway.Tests.Dispatch;

/// <summary>A buffered upload refused by a backend that filled up is sent once more, to the other backend.</summary>
public sealed class RetryTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Upload_RefusedAsOverloadedByOneBackend_IsCountedByTheOther()
    {
        await using var full = await RecordingBackend.StartAsync();
        await using var free = await RecordingBackend.StartAsync();
        full.Overloaded = true;
        using var gateway = GatewayFactory.Start([full.BaseAddress, free.BaseAddress]);
        using var client = gateway.CreateLoopbackClient(TestTimeout);
        var body = CraftedImages.Png(64, 64, rows: 64);

        for (var i = 0; i < 10; i++)
        {
            using var content = new ByteArrayContent(body);
            using var response = await client.PostAsync("/count-white-pixels", content).WaitAsync(TestTimeout);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(10, free.Received.Count);
        Assert.All(free.Received, r => Assert.Equal(body.Length, r.Length));
    }
}
