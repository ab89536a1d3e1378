using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Buffering;

public static class BufferingExtensions
{
    /// <summary>Registers the buffer pool and its options (<c>Buffering</c> section, validated at start-up).</summary>
    public static IHostApplicationBuilder AddUploadBuffering(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<BufferingOptions, BufferingOptionsValidator>()
            .Bind(builder.Configuration.GetSection(BufferingOptions.SectionName));
        builder.Services.AddSingleton<BufferPool>();
        return builder;
    }

    /// <summary>Receives small accepted uploads whole before they ask for capacity; after the inspection.</summary>
    public static IApplicationBuilder UseUploadBuffering(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<BufferingOptions>>().Value;
        BufferingLog.Settings(app.ApplicationServices.GetRequiredService<ILogger<BufferPool>>(), options.MaxBodyBytes, options.PoolBytes);
        return app.UseMiddleware<UploadBufferingMiddleware>();
    }
}
