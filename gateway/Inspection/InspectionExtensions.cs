using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Inspection;

public static class InspectionExtensions
{
    /// <summary>YARP route metadata key; a route with <c>"ImageInspection": "true"</c> has its uploads inspected.</summary>
    public const string RouteMetadataKey = "ImageInspection";

    /// <summary>Registers the inspector and its options (<c>Inspection</c> section, validated at start-up).</summary>
    public static IHostApplicationBuilder AddImageInspection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<InspectionOptions, InspectionOptionsValidator>()
            .Bind(builder.Configuration.GetSection(InspectionOptions.SectionName))
            .ValidateDataAnnotations();
        builder.Services.AddSingleton<UploadInspector>();
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

    internal static bool IsInspectedRoute(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.Metadata is { } metadata
        && metadata.TryGetValue(RouteMetadataKey, out var value)
        && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
}
