namespace ImageGateway.Gateway.Api;

public static class OpenApiExtensions
{
    /// <summary>Registers the OpenAPI document (Microsoft.AspNetCore.OpenApi) with the upload API described by <see cref="UploadApiDocumentTransformer"/>.</summary>
    public static IHostApplicationBuilder AddGatewayOpenApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(UploadApi.DocumentName, options => options.AddDocumentTransformer<UploadApiDocumentTransformer>());
        return builder;
    }

    /// <summary>Serves the document at <see cref="UploadApi.OpenApiPath"/> on the public port.</summary>
    public static IEndpointRouteBuilder MapGatewayOpenApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi();
        return endpoints;
    }
}
