namespace ImageGateway.Common.Observability;

/// <summary>
/// Attribute (tag) names both services put on metrics and spans: OpenTelemetry's own where one
/// exists (<c>error.type</c>), else <c>image.*</c> for image facts and <c>image_gateway.*</c> for
/// the product's own. One home, so a dashboard query and the code cannot drift apart.
/// </summary>
public static class TelemetryAttributes
{
    /// <summary>Why an operation failed or was refused: the problem type's last segment (<c>image-too-large</c>) or a refusal name (<c>queue-full</c>). Absent on success.</summary>
    public const string ErrorType = "error.type";

    /// <summary>The image format (<c>png</c>, <c>jpeg</c>, <c>gif</c>, <c>bmp</c>, <c>webp</c>, <c>pbm</c>), when known.</summary>
    public const string ImageFormat = "image.format";

    /// <summary>Decoded width in pixels (spans only).</summary>
    public const string ImageWidth = "image.width";

    /// <summary>Decoded height in pixels (spans only).</summary>
    public const string ImageHeight = "image.height";

    /// <summary>A decision: <c>accepted</c> or <c>rejected</c> (gateway inspection).</summary>
    public const string Decision = "image_gateway.decision";

    /// <summary>How a counting request ended: <c>counted</c>, <c>rejected</c> or <c>overloaded</c> (backend).</summary>
    public const string Outcome = "image_gateway.outcome";

    /// <summary>A YARP destination id (gateway).</summary>
    public const string Destination = "image_gateway.destination";

    /// <summary>Bytes of an upload's body examined by the inspection (spans only).</summary>
    public const string PeekedBytes = "image_gateway.inspection.peeked_bytes";

    /// <summary>Bytes asked of a budget (spans only).</summary>
    public const string RequestedBytes = "image_gateway.admission.requested_bytes";

    /// <summary>Decode cost, in bytes, an upload asks of the gateway's capacity (spans only).</summary>
    public const string DispatchCost = "image_gateway.dispatch.cost";

    /// <summary>The last segment of a problem type URI (<c>urn:image-gateway:problem:image-too-large</c> → <c>image-too-large</c>).</summary>
    public static string Reason(string problemType)
    {
        ArgumentNullException.ThrowIfNull(problemType);
        return problemType[(problemType.LastIndexOf(':') + 1)..];
    }
}
