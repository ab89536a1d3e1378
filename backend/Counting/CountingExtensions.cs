using ImageGateway.Backend.Memory;
using SixLabors.ImageSharp.Memory;

namespace ImageGateway.Backend.Counting;

public static class CountingExtensions
{
    /// <summary>Registers the counter, its options (validated at start-up) and the image memory allocator (needs <c>AddContainerMemory</c>).</summary>
    public static IHostApplicationBuilder AddCounting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<CountingOptions, CountingOptionsValidator>()
            .Bind(builder.Configuration.GetSection(CountingOptions.SectionName));
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, CountingJsonContext.Default));

        // Every image buffer lives on the GC heap, so the GC heap hard limit bounds decoding and an
        // overrun is a catchable OutOfMemoryException (answered 503), never a kernel OOM kill. No one
        // allocation may exceed the decode budget.
        builder.Services.AddSingleton(services => new GcImageAllocator(services.GetRequiredService<MemoryBudget>().DecodeBudgetBytes));
        builder.Services.AddSingleton<MemoryAllocator>(services => services.GetRequiredService<GcImageAllocator>());
        builder.Services.AddSingleton<ImageCounter>();
        return builder;
    }
}
