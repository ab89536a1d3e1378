using System.Text.Json.Nodes;
using ImageGateway.Common.Problems;
using ImageGateway.Gateway.Inspection;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Yarp.ReverseProxy.Configuration;

namespace ImageGateway.Gateway.Api;

/// <summary>
/// Describes the upload API in the OpenAPI document. The upload route is a YARP route, which ASP.NET's
/// API explorer does not see, so its operation is written here from what serves it: every route with
/// inspection metadata in the proxy configuration, the inspection limits, the success body the backend
/// answers with and every problem type of the catalogue (<see cref="ProblemTypes.All"/>) under its status.
/// </summary>
internal sealed class UploadApiDocumentTransformer(IProxyConfigProvider proxy, IOptions<InspectionOptions> inspection) : IOpenApiDocumentTransformer
{
    /// <summary>The media types an upload may declare; the gateway reads the bytes, not this header.</summary>
    internal static readonly string[] UploadMediaTypes =
        ["image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp", "image/x-portable-anymap", "application/octet-stream"];

    /// <summary>Statuses that routing answers for any path, not the upload operation.</summary>
    private static readonly HashSet<ProblemType> RoutingProblems = [ProblemTypes.NotFound, ProblemTypes.MethodNotAllowed];

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var limits = inspection.Value;
        document.Info = new OpenApiInfo
        {
            Title = "Image-upload gateway",
            Version = UploadApi.DocumentName,
            Description = "Counts the white pixels of an uploaded image. Every refusal is RFC 9457 problem+json whose `type` is one of "
                + "the catalogue's URNs (docs/api.md). Any path: 404 `not-found`; a method a path does not serve: 405 `method-not-allowed`.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas["CountResult"] = CountResult();
        document.Components.Schemas["ProblemDetails"] = Problem();
        document.Paths ??= [];

        var routes = proxy.GetConfig().Routes
            .Where(r => r.Metadata?.TryGetValue(InspectionExtensions.RouteMetadataKey, out var on) == true && string.Equals(on, "true", StringComparison.OrdinalIgnoreCase))
            .Where(r => r.Match.Path is not null);
        foreach (var route in routes)
        {
            var item = new OpenApiPathItem();
            item.AddOperation(HttpMethod.Post, Upload(route.RouteId, limits, document));
            document.Paths[route.Match.Path!] = item;
        }

        foreach (var path in new[] { "/health/live", "/health/ready" })
        {
            var item = new OpenApiPathItem();
            item.AddOperation(HttpMethod.Get, new OpenApiOperation
            {
                Summary = path.EndsWith("live", StringComparison.Ordinal) ? "Liveness: the process answers" : "Readiness: a backend can take uploads",
                Responses = new OpenApiResponses
                {
                    ["200"] = new OpenApiResponse { Description = "Healthy (text/plain)" },
                    ["503"] = new OpenApiResponse { Description = "Unhealthy (text/plain)" },
                },
            });
            document.Paths[path] = item;
        }

        return Task.CompletedTask;
    }

    private static OpenApiOperation Upload(string routeId, InspectionOptions limits, OpenApiDocument document)
    {
        var binary = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
        var responses = new OpenApiResponses
        {
            ["200"] = new OpenApiResponse
            {
                Description = "The image's white pixels (R, G and B all 255 after decoding to RGBA32; alpha ignored).",
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference("CountResult", document) } },
            },
        };
        foreach (var status in ProblemTypes.All.Where(p => !RoutingProblems.Contains(p)).GroupBy(p => p.Status).OrderBy(g => g.Key))
        {
            var response = new OpenApiResponse
            {
                Description = string.Join("; ", status.Select(p => $"`{p.Type}`: {p.Title}")),
                Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) } },
            };
            if (status.Key is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status502BadGateway)
            {
                response.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait before retrying", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
                };
            }

            responses[status.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)] = response;
        }

        return new OpenApiOperation
        {
            OperationId = routeId,
            Summary = "Count the white pixels of an image",
            Description = $"The body is the image's bytes (not a form). Formats: PNG, JPEG, GIF, BMP, WebP, Netpbm. Limits: a body of at most "
                + $"{limits.MaxBodyBytes} bytes, at most {limits.MaxWidth}x{limits.MaxHeight} and {limits.MaxPixels} pixels. "
                + "The Content-Type is not trusted (the bytes are); a form (multipart/form-data, application/x-www-form-urlencoded) is refused with 415 `form-upload`.",
            RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = UploadMediaTypes.ToDictionary(m => m, _ => new OpenApiMediaType { Schema = binary }),
            },
            Responses = responses,
        };
    }

    private static OpenApiSchema CountResult() => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string> { "white_pixel_count", "width", "height", "format" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["white_pixel_count"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" },
            ["width"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["height"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["format"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. new[] { "png", "jpeg", "gif", "bmp", "webp", "pbm" }.Select(f => (JsonNode)f)] },
        },
    };

    private static OpenApiSchema Problem() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details; clients switch on `type`.",
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. ProblemTypes.All.Select(p => (JsonNode)p.Type)] },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What was wrong: the limit and the value seen" },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
        },
    };
}
