using ImageGateway.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Tests.Inspection;

public sealed class InspectionExtensionsTests
{
    [Fact]
    public async Task InputBuffers_HoldThePeekWindowPlusSlack_NotTheTransportsOneMiBDefault()
    {
        await using var gateway = GatewayFactory.Start([new Uri("http://127.0.0.1:9")], new Dictionary<string, string?>
        {
            ["Inspection:PeekBytes"] = "131072",
        });

        // 128 KiB window + 64 KiB slack: what one streaming upload may hold in the gateway.
        Assert.Equal(196_608, gateway.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.MaxReadBufferSize);
        Assert.Equal(196_608, gateway.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.MaxRequestBufferSize);
    }
}
