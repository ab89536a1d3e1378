namespace ImageGateway.Backend.Counting;

public static class CountingExtensions
{
    /// <summary>Registers the counting endpoint's options (validated at start-up) and its JSON. The decoding itself is the workers' (<c>AddDecodeWorkers</c>).</summary>
    public static IHostApplicationBuilder AddCounting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<CountingOptions, CountingOptionsValidator>()
            .Bind(builder.Configuration.GetSection(CountingOptions.SectionName));
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, CountingJsonContext.Default));
        return builder;
    }
}
