using System.Buffers.Binary;
using System.Text;

namespace ImageGateway.TestSupport;

/// <summary>
/// Small uploads on which ImageSharp 2.1.13 itself hangs, burns CPU or crashes (issue 11), built byte
/// by byte. What each does to the decoder was measured through a decode worker (docs/backend.md,
/// "Containment"); the header model may learn to refuse some of them up front, which is why the
/// containment tests accept that answer too and also test the worker pool with its fault switch.
/// </summary>
public static class HostileImages
{
    /// <summary>
    /// An Adam7-interlaced 64x64 RGB PNG whose zlib stream ends after 16 bytes of pixel data: the
    /// interlaced path of <c>PngDecoderCore</c> jumps back into its <c>while (true)</c> for ever
    /// (68 bytes; any size over the tiny-Adam7 guard does it).
    /// </summary>
    public static byte[] EndlessLoopPng() =>
        CraftedPng.Build(
            CraftedPng.Ihdr(64, 64, interlaced: true),
            CraftedPng.Chunk("IDAT", CraftedPng.Compress(new byte[16])),
            CraftedPng.Chunk("IEND", []));

    /// <summary>
    /// A CPU bomb: a progressive gray JPEG of <paramref name="width"/> x <paramref name="height"/>
    /// followed by <paramref name="scans"/> empty DC refinement scans (10 bytes each). ImageSharp walks
    /// every block once per scan: measured about 0.1 ms of CPU a scan at 1200x1200 (10,000 scans took
    /// 1.4 s, under that image's deadline; 60,000 reach it), and about 3 ms a scan for a Pillow-written
    /// progressive JPEG at 1600x1600.
    /// </summary>
    public static byte[] ProgressiveScanBomb(int width, int height, int scans)
    {
        var (jpeg, _) = CraftedJpeg.Build(CraftedJpeg.ProgressiveDcOnly(width, height, 1, (_, _) => false));

        // SOS: one component (1), no tables, Ss 0, Se 0, Ah 1, Al 0: a DC refinement scan, no data.
        byte[] scan = [0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x00, 0x10];
        using var bomb = new MemoryStream();
        bomb.Write(jpeg.AsSpan(0, jpeg.Length - 2));
        for (var i = 0; i < scans; i++)
        {
            bomb.Write(scan);
        }

        bomb.Write([0xFF, 0xD9]);
        return bomb.ToArray();
    }

    /// <summary>
    /// A 16x16 lossless WebP whose entropy image names <paramref name="groups"/> prefix-code groups
    /// (every code a one-symbol simple code, so each group costs 20 bits). ImageSharp allocates
    /// <c>new HuffmanCode[groups * 2954]</c> outside the image allocator: 1,000 groups (2.5 KB)
    /// crashed a worker with a 16 MiB heap (SIGSEGV in the GC, measured with the JIT and Native AOT
    /// runtimes), 10,000 and more ran it out of memory.
    /// </summary>
    public static byte[] LosslessWebpWithPrefixGroups(int groups)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(groups, 65536);
        // 4x4 tiles, no alpha; every group's five codes are one-symbol codes of 0.
        var vp8l = CraftedWebp.LosslessWithGroups(16, 16, groups, argb: 0, prefixBits: 2, alphaUsed: false);
        return CraftedWebp.Riff([new WebpChunk("VP8L", vp8l.Length % 2 == 0 ? vp8l : [.. vp8l, 0])]);
    }

    /// <summary>
    /// An OS/2 bitmap array ("BA") wrapping an 8x8 24-bit white BMP: ImageSharp skips the array
    /// header and reads the inner file header, whose offsets count from the inner file, not from the
    /// body (the crash came when such a file followed the WebP above).
    /// </summary>
    public static byte[] BitmapArrayBmp()
    {
        const int Width = 8, Height = 8, Row = ((Width * 3) + 3) / 4 * 4;
        var pixels = Enumerable.Repeat((byte)0xFF, Row * Height).ToArray();
        using var inner = new MemoryStream();
        inner.Write("BM"u8);
        inner.Write(LittleEndian(14 + 40 + pixels.Length));
        inner.Write(LittleEndian(0));
        inner.Write(LittleEndian(14 + 40));
        inner.Write(LittleEndian(40));
        inner.Write(LittleEndian(Width));
        inner.Write(LittleEndian(Height));
        inner.Write([1, 0, 24, 0]); // planes, bits per pixel
        inner.Write(LittleEndian(0)); // no compression
        inner.Write(LittleEndian(pixels.Length));
        inner.Write(LittleEndian(2835));
        inner.Write(LittleEndian(2835));
        inner.Write(LittleEndian(0));
        inner.Write(LittleEndian(0));
        inner.Write(pixels);

        using var array = new MemoryStream();
        array.Write("BA"u8);
        array.Write(LittleEndian(14 + (int)inner.Length)); // size of this array header and what follows
        array.Write(LittleEndian(0)); // offset of the next array entry: none
        array.Write([0, 0, 0, 0]); // screen width and height
        array.Write(inner.ToArray());
        return array.ToArray();
    }

    /// <summary>A body that orders a decode worker started with the test fault switch (<c>IMAGE_GATEWAY_DECODE_WORKER_TEST_FAULTS=1</c>) to crash, hang or eat memory; <paramref name="salt"/> makes bodies differ.</summary>
    public static byte[] WorkerFault(string fault, string phase = "decode", string salt = "") =>
        Encoding.ASCII.GetBytes($"IGW-TEST-FAULT:{fault}@{phase}\n{salt}");

    /// <summary>The environment variable that turns a backend's worker fault switch on (tests only).</summary>
    public const string WorkerFaultSwitch = "IMAGE_GATEWAY_DECODE_WORKER_TEST_FAULTS";

    private static byte[] LittleEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }
}
