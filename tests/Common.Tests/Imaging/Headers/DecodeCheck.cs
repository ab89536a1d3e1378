using ImageGateway.Common.Imaging;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.Common.Tests.Imaging.Headers;

/// <summary>What ImageSharp 2.1.13 really did with a body: the frame, its white pixels, the memory.</summary>
/// <param name="Width">Decoded width.</param>
/// <param name="Height">Decoded height.</param>
/// <param name="White">Pixels white in every channel (decoded as <see cref="Rgba32"/>, the backend's 8-bit white test).</param>
/// <param name="AllocatorPeak">Most bytes the image allocator held at once while decoding into one byte a pixel.</param>
/// <param name="Allocated">Every managed byte allocated on the thread during that decode (an upper bound of its peak).</param>
internal sealed record Decoded(int Width, int Height, long White, long AllocatorPeak, long Allocated);

/// <summary>
/// Runs bodies the way the backend will: the format's normaliser when the facts ask for it, then
/// ImageSharp with the product's <see cref="SafeImageConfiguration"/>, and measures what it costs.
/// </summary>
internal static class DecodeCheck
{
    /// <summary>The body as ImageSharp must see it (<see cref="JpegNormaliser"/>, <see cref="BmpNormaliser"/>).</summary>
    public static ReadOnlyMemory<byte> Prepare(byte[] body, ImageFacts facts) => facts switch
    {
        JpegFacts jpeg => JpegNormaliser.Normalise(body, jpeg),
        BmpFacts bmp => BmpNormaliser.Normalise(body, bmp),
        _ => body,
    };

    /// <summary>Decodes <paramref name="body"/> as it is (no normalising): what ImageSharp does with the raw bytes.</summary>
    public static Decoded Decode(ReadOnlyMemory<byte> body)
    {
        var bytes = body.ToArray();
        long white;
        int width;
        int height;
        var counting = SafeImageConfiguration.Create(new PeakMemoryAllocator());
        using (var image = Image.Load<Rgba32>(counting, bytes))
        {
            width = image.Width;
            height = image.Height;
            white = 0;
            image.ProcessPixelRows(rows =>
            {
                for (var y = 0; y < rows.Height; y++)
                {
                    foreach (var p in rows.GetRowSpan(y))
                    {
                        if (p.PackedValue == uint.MaxValue)
                        {
                            white++;
                        }
                    }
                }
            });
        }

        // One byte a pixel, like the backend's white mask; measured on the second run so that
        // first-call statics are not counted.
        var allocator = new PeakMemoryAllocator();
        var configuration = SafeImageConfiguration.Create(allocator);
        using (Image.Load<L8>(configuration, bytes))
        {
        }

        allocator.ResetPeak();
        var before = GC.GetAllocatedBytesForCurrentThread();
        using (Image.Load<L8>(configuration, bytes))
        {
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return new Decoded(width, height, white, allocator.Peak, allocated);
    }

    /// <summary>What ImageSharp does with the raw bytes, or its exception.</summary>
    public static (Decoded? Decoded, Exception? Error) TryDecode(ReadOnlyMemory<byte> body)
    {
        try
        {
            return (Decode(body), null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return (null, ex);
        }
    }

    /// <summary>The reservation a decode of these facts gets: frame, decoder, fixed state (the backend's estimate).</summary>
    public static long Reservation(ImageFacts facts, long encodedBytes) =>
        (facts.Pixels * DecodeCostEstimator.DecodedBytesPerPixel) + facts.DecoderBytes(encodedBytes) + DecodeCostEstimator.FixedBytes;
}
