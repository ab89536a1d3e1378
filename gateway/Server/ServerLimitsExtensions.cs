using ImageGateway.Gateway.Inspection;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Server;

public static class ServerLimitsExtensions
{
    /// <summary>Kestrel's minimum data rates and timeouts (<c>SlowClients</c>) and a request buffer that holds the peek window.</summary>
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

                // The peek leaves the prefix unconsumed in Kestrel's request buffer; Kestrel stops
                // reading the socket when that buffer is full, so it must hold the whole window.
                var needed = 2L * inspection.Value.PeekBytes;
                if (limits.MaxRequestBufferSize is { } size && size < needed)
                {
                    limits.MaxRequestBufferSize = needed;
                }
            });
        return builder;
    }
}
