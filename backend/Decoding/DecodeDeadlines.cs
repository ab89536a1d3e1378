using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Decoding;

/// <summary>
/// How much a worker may spend, from what the header model says. A decode's deadline is CPU time: it
/// scales with pixels, the format's measured speed and the decoder's passes over the image
/// (<c>DecodePasses</c>: a progressive JPEG's scans), times <see cref="DecodingOptions.DeadlineFactor"/>,
/// between <see cref="DecodingOptions.MinimumDeadline"/> and <see cref="DecodingOptions.MaximumDeadline"/>.
/// CPU time, not wall-clock time, because what makes an upload poison is that decoding it burns the
/// CPU (an endless loop, a CPU bomb); a decode that is slow because the machine is busy or short of
/// memory uses little CPU per second and must not be blamed on the image (measured: under the
/// 64-client burst a 1.9 Mpx progressive JPEG took over 1 s of wall-clock time). Every exchange also
/// has a wall-clock <see cref="DecodingOptions.StallTimeout"/>, past which the worker is killed too
/// and the upload answered 503. .NET cannot abort a thread and ImageSharp's <c>Image.Load</c> takes no
/// cancellation, so both are kept by killing the worker.
/// </summary>
public sealed class DecodeDeadlines(IOptions<DecodingOptions> options)
{
    /// <summary>
    /// Reading headers walks the body once: at least this many bytes a second, measured far faster
    /// (the header model is linear span code; ImageSharp's Identify reads headers only).
    /// </summary>
    public const double IdentifyBytesPerSecond = 20e6;

    private readonly DecodingOptions _options = options.Value;

    /// <summary>
    /// Pixels a second one pass of each format's decoder reaches at least: about a third of the
    /// slowest rate measured in a Native AOT worker on one thread of this 2-core machine (2026-11-30,
    /// docs/backend.md "Deadlines": PNG 110, GIF 96, BMP 99, Netpbm 95, JPEG 12.9, WebP 17.5 Mpx/s
    /// on noise, the slowest content), so with the default factor a decode has about thirty times the
    /// CPU it was measured to need, and at least a second.
    /// </summary>
    public static double PixelsPerSecond(string format) => format switch
    {
        "png" => 35e6,
        "gif" or "bmp" or "pbm" => 30e6,
        "jpeg" => 5e6,
        "webp" => 6e6,
        _ => 5e6,
    };

    /// <summary>The deadline for decoding a <paramref name="format"/> image of <paramref name="pixels"/> in <paramref name="passes"/> passes.</summary>
    public Deadline ForDecode(string format, long pixels, int passes)
    {
        ArgumentNullException.ThrowIfNull(format);
        var seconds = _options.DeadlineFactor * Math.Max(0, pixels) * Math.Max(1, passes) / PixelsPerSecond(format);
        return new Deadline(Clamp(seconds), _options.StallTimeout);
    }

    /// <summary>The deadline for reading the headers of a body of <paramref name="bodyBytes"/>.</summary>
    public Deadline ForIdentify(long bodyBytes) =>
        new(Clamp(_options.DeadlineFactor * Math.Max(0, bodyBytes) / IdentifyBytesPerSecond), _options.StallTimeout);

    private TimeSpan Clamp(double seconds) =>
        double.IsFinite(seconds) && seconds < _options.MaximumDeadline.TotalSeconds
            ? TimeSpan.FromSeconds(Math.Max(seconds, _options.MinimumDeadline.TotalSeconds))
            : _options.MaximumDeadline;
}

/// <summary>What one exchange with a worker may spend: <paramref name="Cpu"/> time (past it the upload is poison), <paramref name="Wall"/>-clock time (past it, 503).</summary>
public readonly record struct Deadline(TimeSpan Cpu, TimeSpan Wall);
