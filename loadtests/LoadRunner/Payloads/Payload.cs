using ImageGateway.TestSupport.Load;

namespace ImageGateway.LoadRunner.Payloads;

/// <summary>
/// One request body the runner can send, with the headers it is sent with and what must come back.
/// <see cref="Kind"/> groups payloads in the report (e.g. <c>legit/png</c>, <c>hostile/pixel-flood-png</c>).
/// </summary>
public sealed record Payload(string Kind, string Name, byte[] Body, string ContentType, Expectation Expectation)
{
    /// <summary>A <c>Content-Encoding</c> header to send, for the lying-header inputs; null for none.</summary>
    public string? ContentEncoding { get; init; }

    /// <summary>The request the load client sends for this payload.</summary>
    public Upload Upload => new(Body, ContentType) { ContentEncoding = ContentEncoding };

    /// <summary>True for the legitimate traffic whose latency and errors the promises are about.</summary>
    public bool IsLegit => Kind.StartsWith("legit/", StringComparison.Ordinal);
}
