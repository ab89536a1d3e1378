using ImageGateway.Gateway.Inspection;
using ImageGateway.Gateway.Observability;
using ImageGateway.Gateway.Tests.Infrastructure;
using ImageGateway.TestSupport;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Tests.Inspection;

/// <summary>
/// Saying no costs the gateway almost nothing: an over-limit header followed by 1 GiB of body is
/// answered after the gateway examined at most its peek window, counted in bytes, not timed.
/// </summary>
public sealed class PeekBoundTests
{
    private const long OneGiB = 1L << 30;

    [Fact]
    public async Task Upload_OverPixelLimitHeaderThen1GiB_IsAnsweredAfterReadingAtMostThePeekWindow()
    {
        await using var stack = await GatewayWithBackend.StartAsync();
        var peekWindow = stack.Gateway.Services.GetRequiredService<IOptions<InspectionOptions>>().Value.PeekBytes;
        using var peeked = new MetricCollector<long>(stack.Gateway.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            GatewayMetrics.MeterName, "image_gateway.inspection.peek.size");
        var body = new CountingStream(CraftedPng.PaddedHeader(20_000, 20_000, OneGiB), OneGiB);

        // By hand over a socket: HttpClient reports the broken upload rather than the early answer.
        // The body streams chunked (no length), as from a client that never says how much is coming.
        using var socket = await RawHttp.ConnectAsync(stack.Gateway.BaseAddress);
        await RawHttp.SendAsync(socket, "POST /count-white-pixels HTTP/1.1\r\nHost: gateway\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n");
        using var stop = new CancellationTokenSource();
        var upload = RawHttp.SendChunkedAsync(socket, body, stop.Token);
        var response = await RawHttp.ReadResponseHeadAsync(socket, TimeSpan.FromSeconds(30));
        var readWhenAnswered = body.BytesRead;
        await stop.CancelAsync();
        await upload.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 422", response, StringComparison.Ordinal);
        Assert.Contains("urn:image-gateway:problem:image-too-large", response, StringComparison.Ordinal);
        Assert.Contains("Connection: close", response, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, stack.Backend.Started);

        // At the gateway: the bytes examined before deciding, as it recorded them.
        var examined = Assert.Single(peeked.GetMeasurementSnapshot()).Value;
        Assert.InRange(examined, 1, peekWindow);

        // At the client, when the answer arrived: what the gateway pulled off the connection plus
        // what loopback socket buffers and Kestrel's request buffer held (a few MiB), not the gigabyte.
        Assert.InRange(readWhenAnswered, 1, 16L * 1024 * 1024);
        Console.WriteLine($"PeekBoundTests: gateway examined {examined} bytes; the client had sent {readWhenAnswered} of {OneGiB} bytes when answered.");
    }

    /// <summary>A prefix followed by zeros up to <c>length</c> bytes, produced on demand; counts what is read.</summary>
    private sealed class CountingStream(byte[] prefix, long length) : Stream
    {
        private long _position;

        public long BytesRead => Interlocked.Read(ref _position);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var remaining = length - _position;
            if (remaining <= 0)
            {
                return 0;
            }

            var n = (int)Math.Min(buffer.Length, remaining);
            buffer[..n].Clear();
            if (_position < prefix.Length)
            {
                var fromPrefix = (int)Math.Min(n, prefix.Length - _position);
                prefix.AsSpan((int)_position, fromPrefix).CopyTo(buffer);
            }

            Interlocked.Add(ref _position, n);
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer, offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
