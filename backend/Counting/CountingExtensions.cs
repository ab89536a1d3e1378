using SixLabors.ImageSharp.Memory;

namespace ImageGateway.Backend.Counting;

public static class CountingExtensions
{
    /// <summary>Registers the counter, its options (validated at start-up) and the image memory allocator.</summary>
    public static IHostApplicationBuilder AddCounting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CountingOptions>()
            .Bind(builder.Configuration.GetSection(CountingOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Every image buffer lives on the GC heap, so the GC heap hard limit bounds decoding and an
        // overrun is a catchable OutOfMemoryException (answered 503), never a kernel OOM kill.
        builder.Services.AddSingleton<MemoryAllocator>(new SimpleGcMemoryAllocator());
        builder.Services.AddSingleton<ImageCounter>();
        return builder;
    }
}
