namespace ImageGateway.Backend.Api;

public static class CountingApiExtensions
{
    /// <summary>
    /// Registers what the HTTP edge writes: problem+json answers (<c>AddProblemDetails</c>) and the
    /// source-generated JSON of the counting endpoint (<see cref="CountingJsonContext"/>). The endpoint
    /// itself is mapped by <see cref="CountingApi.MapCounting"/>.
    /// </summary>
    public static IHostApplicationBuilder AddCountingApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, CountingJsonContext.Default));
        return builder;
    }
}
