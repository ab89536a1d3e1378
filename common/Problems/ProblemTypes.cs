using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ImageGateway.Common.Problems;

/// <summary>
/// The catalogue of RFC 9457 problem types both services answer with. The <c>type</c> URIs are
/// stable identifiers (documented in <c>docs/api.md</c>); clients switch on them, not on <c>title</c>.
/// </summary>
public static class ProblemTypes
{
    private const string Prefix = "urn:image-gateway:problem:";

    public static readonly ProblemType EmptyBody =
        new(Prefix + "empty-body", "The request body is empty", StatusCodes.Status400BadRequest);

    public static readonly ProblemType BodyTooLarge =
        new(Prefix + "body-too-large", "The request body is too large", StatusCodes.Status413PayloadTooLarge);

    public static readonly ProblemType NotAnImage =
        new(Prefix + "not-an-image", "The body is not an image in a recognised format", StatusCodes.Status415UnsupportedMediaType);

    public static readonly ProblemType UnsupportedFormat =
        new(Prefix + "unsupported-format", "The image format is not accepted", StatusCodes.Status415UnsupportedMediaType);

    public static readonly ProblemType UnsupportedEncoding =
        new(Prefix + "unsupported-content-encoding", "Content-Encoding on uploads is not accepted", StatusCodes.Status415UnsupportedMediaType);

    public static readonly ProblemType CorruptImage =
        new(Prefix + "corrupt-image", "The image is corrupt or truncated", StatusCodes.Status422UnprocessableEntity);

    public static readonly ProblemType ImageTooLarge =
        new(Prefix + "image-too-large", "The image dimensions are over the limit", StatusCodes.Status422UnprocessableEntity);

    public static readonly ProblemType ImageTooComplex =
        new(Prefix + "image-too-complex", "The image's structure is over a decoding limit", StatusCodes.Status422UnprocessableEntity);

    public static readonly ProblemType PoisonImage =
        new(Prefix + "poison-image", "Decoding this image crashed or ran past its deadline; do not retry it", StatusCodes.Status422UnprocessableEntity);

    public static readonly ProblemType HeaderNotFound =
        new(Prefix + "header-not-found", "The image header was not found within the inspected prefix", StatusCodes.Status422UnprocessableEntity);

    public static readonly ProblemType Overloaded =
        new(Prefix + "overloaded", "The service is at capacity; retry later", StatusCodes.Status503ServiceUnavailable);

    public static readonly ProblemType NoHealthyBackend =
        new(Prefix + "no-healthy-backend", "No backend is available; retry later", StatusCodes.Status503ServiceUnavailable);

    public static readonly ProblemType BackendFailed =
        new(Prefix + "backend-failed", "The backend did not answer", StatusCodes.Status502BadGateway);

    public static readonly ProblemType BackendTimeout =
        new(Prefix + "backend-timeout", "The backend did not answer in time", StatusCodes.Status504GatewayTimeout);

    public static readonly ProblemType ClientOverQuota =
        new(Prefix + "client-over-quota", "This client is over its share of capacity; retry later", StatusCodes.Status429TooManyRequests);

    public static readonly ProblemType FormUpload =
        new(Prefix + "form-upload", "Form uploads are not accepted; send the image bytes as the body", StatusCodes.Status415UnsupportedMediaType);

    public static readonly ProblemType MalformedRequest =
        new(Prefix + "malformed-request", "The request is not well-formed HTTP", StatusCodes.Status400BadRequest);

    public static readonly ProblemType NotFound =
        new(Prefix + "not-found", "There is nothing at this path", StatusCodes.Status404NotFound);

    public static readonly ProblemType MethodNotAllowed =
        new(Prefix + "method-not-allowed", "This method is not allowed on this path", StatusCodes.Status405MethodNotAllowed);

    public static readonly ProblemType RequestTimeout =
        new(Prefix + "request-timeout", "The request arrived too slowly", StatusCodes.Status408RequestTimeout);

    public static readonly ProblemType InternalError =
        new(Prefix + "internal-error", "The service failed unexpectedly", StatusCodes.Status500InternalServerError);

    /// <summary>Every problem type, in the order of the documented table.</summary>
    public static IReadOnlyList<ProblemType> All { get; } =
    [
        MalformedRequest, EmptyBody, NotFound, MethodNotAllowed, RequestTimeout, BodyTooLarge,
        NotAnImage, UnsupportedFormat, UnsupportedEncoding, FormUpload,
        CorruptImage, ImageTooLarge, ImageTooComplex, PoisonImage, HeaderNotFound,
        ClientOverQuota, InternalError, BackendFailed, Overloaded, NoHealthyBackend, BackendTimeout,
    ];

    /// <summary>
    /// The type an answer with <paramref name="status"/> carries when the code that set the status named
    /// none (ASP.NET's status-code pages: routing's 404 and 405, Kestrel's 400, 408 and 413 while a body
    /// is read, the exception handler's 500); null for a status outside the catalogue.
    /// </summary>
    public static ProblemType? ForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => MalformedRequest,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status408RequestTimeout => RequestTimeout,
        StatusCodes.Status413PayloadTooLarge => BodyTooLarge,
        StatusCodes.Status500InternalServerError => InternalError,
        StatusCodes.Status502BadGateway => BackendFailed,
        StatusCodes.Status503ServiceUnavailable => Overloaded,
        StatusCodes.Status504GatewayTimeout => BackendTimeout,
        _ => null,
    };

    /// <summary>True when <paramref name="type"/> is one of this catalogue's URIs.</summary>
    public static bool IsCatalogued(string? type) => type is not null && type.StartsWith(Prefix, StringComparison.Ordinal);
}

/// <summary>One problem type: its stable URI, its title and the status it is answered with.</summary>
public sealed record ProblemType(string Type, string Title, int Status)
{
    /// <summary>Builds the problem details for one occurrence, with a detail that says what was wrong.</summary>
    public ProblemDetails Create(string detail, string? instance = null) => new()
    {
        Type = Type,
        Title = Title,
        Status = Status,
        Detail = detail,
        Instance = instance,
    };
}
