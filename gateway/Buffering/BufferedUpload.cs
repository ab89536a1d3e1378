namespace ImageGateway.Gateway.Buffering;

/// <summary>The request feature of an upload received whole into the buffer pool; its body is <see cref="Body"/>.</summary>
public sealed class BufferedUpload(PooledBody body)
{
    public PooledBody Body { get; } = body;

    /// <summary>Back to the first byte, for a retry on another destination.</summary>
    public void Rewind() => Body.Position = 0;
}
