using ImageGateway.Gateway.Inspection;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Server;

public static class ServerLimitsExtensions
{
    /// <summary>Request buffer beyond the peek window, in bytes.</summary>
    public const int RequestBufferSlack = 64 * 1024;

    /// <summary>Kestrel's minimum data rates and timeouts (<c>SlowClients</c>) and an input buffer that holds the peek window.</summary>
    public static IHostApplicationBuilder AddServerLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SlowClientOptions>()
            .Bind(builder.Configuration.GetSection(SlowClientOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<SlowClientOptions>, IOptions<InspectionOptions>>((kestrel, slow, inspection) =>
            {
                var limits = kestrel.Limits;
                limits.RequestHeadersTimeout = slow.Value.RequestHeadersTimeout;
                limits.MinRequestBodyDataRate = new MinDataRate(slow.Value.MinRequestBodyBytesPerSecond, slow.Value.MinRequestBodyGracePeriod);
                limits.MaxRequestBufferSize = RequestBufferBytes(inspection.Value); // the same bound where Kestrel applies it
            });

        // The peek leaves the prefix unconsumed in the connection's input buffer, and the socket
        // transport stops reading the socket when that buffer is full, so it must hold the whole
        // window. It is also what one streaming upload holds in the gateway: sized to the window
        // (plus slack) instead of the transport's 1 MiB default, it bounds memory per upload.
        builder.Services.AddOptions<SocketTransportOptions>()
            .Configure<IOptions<InspectionOptions>>((transport, inspection) =>
                transport.MaxReadBufferSize = RequestBufferBytes(inspection.Value));
        return builder;
    }

    private static long RequestBufferBytes(InspectionOptions inspection) => inspection.PeekBytes + RequestBufferSlack;
}
