namespace ImageGateway.Backend.Counting;

public static class CountingExtensions
{
    /// <summary>Registers the counting limits (validated at start-up). The decoding itself is the workers' (<c>AddDecodeWorkers</c>); the endpoint is <c>AddCountingApi</c>'s.</summary>
    public static IHostApplicationBuilder AddCounting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<CountingOptions, CountingOptionsValidator>()
            .Bind(builder.Configuration.GetSection(CountingOptions.SectionName));
        return builder;
    }
}
