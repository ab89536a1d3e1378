namespace ImageGateway.Gateway.Api;

/// <summary>Where the gateway describes its API.</summary>
public static class UploadApi
{
    /// <summary>The OpenAPI document's name, in its path <c>/openapi/{documentName}.json</c> (<c>MapOpenApi</c>'s pattern).</summary>
    public const string DocumentName = "v1";

    public const string OpenApiPath = "/openapi/" + DocumentName + ".json";
}
