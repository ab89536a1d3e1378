using System.Net;

namespace ImageGateway.Resilience.Tests.Support;

/// <summary>
/// An upload that sends its first half at once and the rest only when <see cref="Release"/> is called:
/// a request that is provably in flight for as long as the test wants. Content-Length is the full length.
/// </summary>
public sealed class GatedContent(byte[] body) : HttpContent
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstHalfSent = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first half has been written to the connection.</summary>
    public Task FirstHalfSent => _firstHalfSent.Task;

    public void Release() => _gate.TrySetResult();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        var half = body.Length / 2;
        await stream.WriteAsync(body.AsMemory(0, half));
        await stream.FlushAsync();
        _firstHalfSent.TrySetResult();
        await _gate.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await stream.WriteAsync(body.AsMemory(half));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = body.Length;
        return true;
    }
}
