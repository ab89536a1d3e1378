namespace ImageGateway.TestSupport.Load;

/// <summary>One upload's request: the body and the headers it is sent with.</summary>
public sealed record Upload(byte[] Body, string ContentType = "application/octet-stream")
{
    /// <summary>A <c>Content-Encoding</c> header to send (the lying-header inputs); null for none.</summary>
    public string? ContentEncoding { get; init; }
}
