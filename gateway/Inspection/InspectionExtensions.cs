using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Inspection;

public static class InspectionExtensions
{
    /// <summary>YARP route metadata key; a route with <c>"ImageInspection": "true"</c> has its uploads inspected.</summary>
    public const string RouteMetadataKey = "ImageInspection";

    /// <summary>Request buffer beyond the peek window, in bytes.</summary>
    public const int RequestBufferSlack = 64 * 1024;

    /// <summary>
    /// Registers the inspector and its options (<c>Inspection</c> section, validated at start-up),
    /// and sizes the connections' input buffer to hold the peek window.
    /// </summary>
    public static IHostApplicationBuilder AddImageInspection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<InspectionOptions, InspectionOptionsValidator>()
            .Bind(builder.Configuration.GetSection(InspectionOptions.SectionName));
        builder.Services.AddSingleton<UploadInspector>();
        builder.Services.AddSingleton<InspectionRefusals>();

        // The peek leaves the prefix unconsumed in the connection's input buffer, and the socket
        // transport stops reading the socket when that buffer is full, so it must hold the whole
        // window. It is also what one streaming upload holds in the gateway: sized to the window
        // (plus slack) instead of the transport's 1 MiB default, it bounds memory per upload.
        builder.Services.AddOptions<SocketTransportOptions>()
            .Configure<IOptions<InspectionOptions>>((transport, inspection) =>
                transport.MaxReadBufferSize = RequestBufferBytes(inspection.Value));
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<InspectionOptions>>((kestrel, inspection) =>
                kestrel.Limits.MaxRequestBufferSize = RequestBufferBytes(inspection.Value)); // the same bound where Kestrel applies it
        return builder;
    }

    /// <summary>
    /// Inspects uploads on routes that opt in. Must run after routing (it reads the route) and
    /// before the rate limiter (which weighs requests by what the inspection found).
    /// </summary>
    public static IApplicationBuilder UseImageInspection(this IApplicationBuilder app)
    {
        var limits = app.ApplicationServices.GetRequiredService<IOptions<InspectionOptions>>().Value;
        var logger = app.ApplicationServices.GetRequiredService<ILogger<UploadInspector>>();
        InspectionLog.Limits(logger, limits.MaxBodyBytes, limits.PeekBytes, limits.MaxWidth, limits.MaxHeight, limits.MaxPixels);
        return app.UseMiddleware<ImageInspectionMiddleware>();
    }

    private static long RequestBufferBytes(InspectionOptions inspection) => inspection.PeekBytes + RequestBufferSlack;

    internal static bool IsInspectedRoute(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.Metadata is { } metadata
        && metadata.TryGetValue(RouteMetadataKey, out var value)
        && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
}
