namespace ImageGateway.TestSupport;

/// <summary>One JPEG component of a <see cref="JpegSpec"/>: its id, sampling factors and quantisation table.</summary>
public readonly record struct JpegComponentSpec(byte Id, int Horizontal, int Vertical, byte QuantTable = 0);

/// <summary>
/// What <see cref="CraftedJpeg.Build"/> writes. Component 0 carries the picture at full resolution
/// (its factors are the largest); a white 8x8 block of it is white in every decoder, a dark one is
/// gray 64. In YCbCr the other components are neutral (128); in RGB and CMYK they repeat component 0.
/// </summary>
public sealed record JpegSpec(int Width, int Height)
{
    /// <summary>The frame's components; default gray (one component, id 1).</summary>
    public IReadOnlyList<JpegComponentSpec> Components { get; init; } = [new(1, 1, 1)];

    /// <summary>Progressive (SOF2: a DC scan, then <see cref="EmptyAcScans"/> AC scans per component) instead of baseline (SOF0).</summary>
    public bool Progressive { get; init; }

    /// <summary>Baseline: one scan per component instead of one interleaved scan. Progressive: one DC scan per component.</summary>
    public bool NonInterleaved { get; init; }

    /// <summary>Progressive only: AC scans (Ss 1..63, every block an end-of-block) written for each component.</summary>
    public int EmptyAcScans { get; init; } = 1;

    /// <summary>
    /// Write the AC Huffman table (end-of-block only). Baseline scans and AC scans use it; a
    /// progressive image of DC scans alone (<see cref="EmptyAcScans"/> 0) can go without.
    /// </summary>
    public bool AcTable { get; init; } = true;

    /// <summary>Restart interval in MCUs (a DRI segment and RSTn markers); 0 for none.</summary>
    public int RestartInterval { get; init; }

    /// <summary>Write a JFIF APP0 segment.</summary>
    public bool Jfif { get; init; } = true;

    /// <summary>Write an Adobe APP14 segment with this colour transform.</summary>
    public byte? AdobeTransform { get; init; }

    /// <summary>Components other than the first repeat it (RGB, CMYK) instead of being neutral chroma.</summary>
    public bool SameValueInEveryComponent { get; init; }

    /// <summary>Whether the 8x8 block (bx, by) of component 0 is white; default: a diagonal checker of about half the blocks.</summary>
    public Func<int, int, bool> IsWhite { get; init; } = static (bx, by) => ((bx + (2 * by)) % 5) < 2;
}

/// <summary>
/// Hand-written JPEGs of flat 8x8 blocks, every quantiser 1, so the white count is known by
/// construction and no encoder's choices get in the way: any component ids, sampling, interleaving,
/// restart interval, progressive scan count and marker segments a test needs. The DC table is the
/// standard one (ITU T.81 K.3); the AC table holds only end-of-block.
/// </summary>
public static class CraftedJpeg
{
    private static readonly byte[] DcBits = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>The JFIF APP0 segment (version 1.1, no thumbnail).</summary>
    public static readonly byte[] JfifSegment = [0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];

    /// <summary>A marker segment: FF, <paramref name="marker"/>, its length (payload + 2) and <paramref name="payload"/>.</summary>
    public static byte[] Segment(byte marker, ReadOnlySpan<byte> payload) =>
        [0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2), .. payload];

    /// <summary>An Adobe APP14 segment with <paramref name="transform"/>.</summary>
    public static byte[] AdobeSegment(byte transform) =>
        [0xFF, 0xEE, 0x00, 0x0E, (byte)'A', (byte)'d', (byte)'o', (byte)'b', (byte)'e', 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, transform];

    /// <summary>A DQT segment defining table 0 with every quantiser 1 (8-bit precision).</summary>
    public static readonly byte[] UnitQuantTable = [0xFF, 0xDB, 0x00, 67, 0x00, .. Enumerable.Repeat((byte)1, 64)];

    /// <summary>
    /// A start-of-frame segment (SOF0 baseline, or SOF2 progressive), 8-bit precision, declaring
    /// <paramref name="width"/> x <paramref name="height"/> (each written as 16 bits) and <paramref name="components"/>.
    /// </summary>
    public static byte[] FrameHeader(int width, int height, IReadOnlyList<JpegComponentSpec> components, bool progressive = false)
    {
        ArgumentNullException.ThrowIfNull(components);
        var sof = new List<byte> { 0xFF, progressive ? (byte)0xC2 : (byte)0xC0, 0, (byte)(8 + (3 * components.Count)), 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, (byte)components.Count };
        foreach (var c in components)
        {
            sof.AddRange([c.Id, (byte)((c.Horizontal << 4) | c.Vertical), c.QuantTable]);
        }

        return [.. sof];
    }

    /// <summary>
    /// A progressive JPEG (SOF2) of one interleaved DC scan and nothing else: <paramref name="components"/>
    /// 1 (gray) or 3 (YCbCr), each 1x1 sampled, no JFIF segment, no AC table. A progressive decoder
    /// must still hold every coefficient of the image until the end, which is what these are for.
    /// </summary>
    public static JpegSpec ProgressiveDcOnly(int width, int height, int components, Func<int, int, bool> isWhite)
    {
        ArgumentNullException.ThrowIfNull(isWhite);
        if (components is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(components), components, "1 or 3");
        }

        return new JpegSpec(width, height)
        {
            Components = [.. Enumerable.Range(1, components).Select(c => new JpegComponentSpec((byte)c, 1, 1))],
            Progressive = true,
            EmptyAcScans = 0,
            Jfif = false,
            AcTable = false,
            IsWhite = isWhite,
        };
    }

    /// <summary>Writes <paramref name="spec"/>; returns the file and its white pixels.</summary>
    public static (byte[] Bytes, long WhitePixels) Build(JpegSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var components = spec.Components;
        var maxH = components.Max(c => c.Horizontal);
        var maxV = components.Max(c => c.Vertical);
        if (components[0].Horizontal != maxH || components[0].Vertical != maxV)
        {
            throw new ArgumentException("Component 0 must have the largest sampling factors.", nameof(spec));
        }

        using var ms = new MemoryStream();
        ms.Write([0xFF, 0xD8]);
        if (spec.Jfif)
        {
            ms.Write(JfifSegment);
        }

        if (spec.AdobeTransform is { } transform)
        {
            ms.Write(AdobeSegment(transform));
        }

        ms.Write(UnitQuantTable);
        ms.Write(FrameHeader(spec.Width, spec.Height, components, spec.Progressive));
        ms.Write([0xFF, 0xC4, 0x00, (byte)(2 + 17 + 12), 0x00]);
        ms.Write(DcBits);
        ms.Write(Enumerable.Range(0, 12).Select(v => (byte)v).ToArray());
        if (spec.AcTable)
        {
            ms.Write([0xFF, 0xC4, 0x00, 2 + 17 + 1, 0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
        }

        if (spec.RestartInterval > 0)
        {
            ms.Write([0xFF, 0xDD, 0x00, 0x04, (byte)(spec.RestartInterval >> 8), (byte)spec.RestartInterval]);
        }

        var layout = new Layout(spec, maxH, maxV);
        if (spec.NonInterleaved)
        {
            for (var c = 0; c < components.Count; c++)
            {
                WriteScan(ms, layout, [c], dc: true);
            }
        }
        else
        {
            WriteScan(ms, layout, Enumerable.Range(0, components.Count).ToArray(), dc: true);
        }

        if (spec.Progressive)
        {
            for (var i = 0; i < spec.EmptyAcScans; i++)
            {
                for (var c = 0; c < components.Count; c++)
                {
                    WriteScan(ms, layout, [c], dc: false);
                }
            }
        }

        ms.Write([0xFF, 0xD9]);

        long white = 0;
        for (var y = 0; y < spec.Height; y++)
        {
            for (var x = 0; x < spec.Width; x++)
            {
                if (spec.IsWhite(x / 8, y / 8))
                {
                    white++;
                }
            }
        }

        return (ms.ToArray(), white);
    }

    private static void WriteScan(MemoryStream ms, Layout layout, int[] scanComponents, bool dc)
    {
        var spec = layout.Spec;
        var sos = new List<byte> { 0xFF, 0xDA, 0, (byte)(6 + (2 * scanComponents.Length)), (byte)scanComponents.Length };
        foreach (var c in scanComponents)
        {
            sos.AddRange([spec.Components[c].Id, 0x00]);
        }

        sos.AddRange(dc ? [0, spec.Progressive ? (byte)0 : (byte)63, 0] : [1, 63, 0]);
        ms.Write(sos.ToArray());

        var bits = new JpegBitWriter(ms);
        var predictors = new int[spec.Components.Count];
        var units = 0;
        var restarts = 0;

        void Block(int c, int bx, int by)
        {
            if (dc)
            {
                var value = layout.Value(c, bx, by);
                var coefficient = (value - 128) * 8;
                var diff = coefficient - predictors[c];
                predictors[c] = coefficient;
                var size = diff == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(diff));
                var (code, length) = DcCode(size);
                bits.Write(code, length);
                if (size > 0)
                {
                    bits.Write(diff > 0 ? diff : diff + (1 << size) - 1, size);
                }

                if (!spec.Progressive)
                {
                    bits.Write(0, 1); // end of block: every AC coefficient is zero
                }
            }
            else
            {
                bits.Write(0, 1); // EOB0: this block's band is zero
            }
        }

        void Unit()
        {
            units++;
            if (spec.RestartInterval > 0 && units % spec.RestartInterval == 0 && units < layout.Units(scanComponents.Length, scanComponents[0]))
            {
                bits.Flush();
                ms.Write([0xFF, (byte)(0xD0 + (restarts++ & 7))]);
                Array.Clear(predictors);
            }
        }

        if (scanComponents.Length == 1)
        {
            var c = scanComponents[0];
            var (w, h) = layout.BlocksOf(c);
            for (var by = 0; by < h; by++)
            {
                for (var bx = 0; bx < w; bx++)
                {
                    Block(c, bx, by);
                    Unit();
                }
            }
        }
        else
        {
            for (var my = 0; my < layout.McusY; my++)
            {
                for (var mx = 0; mx < layout.McusX; mx++)
                {
                    foreach (var c in scanComponents)
                    {
                        var comp = spec.Components[c];
                        for (var v = 0; v < comp.Vertical; v++)
                        {
                            for (var h = 0; h < comp.Horizontal; h++)
                            {
                                Block(c, (mx * comp.Horizontal) + h, (my * comp.Vertical) + v);
                            }
                        }
                    }

                    Unit();
                }
            }
        }

        bits.Flush();
    }

    private static (int Code, int Length) DcCode(int size)
    {
        var code = 0;
        var value = 0;
        for (var length = 1; length <= 16; length++)
        {
            for (var i = 0; i < DcBits[length - 1]; i++)
            {
                if (value++ == size)
                {
                    return (code, length);
                }

                code++;
            }

            code <<= 1;
        }

        throw new ArgumentOutOfRangeException(nameof(size));
    }

    private sealed class Layout(JpegSpec spec, int maxH, int maxV)
    {
        public JpegSpec Spec => spec;

        public int McusX { get; } = (spec.Width + (8 * maxH) - 1) / (8 * maxH);

        public int McusY { get; } = (spec.Height + (8 * maxV) - 1) / (8 * maxV);

        /// <summary>Blocks a one-component scan of component <paramref name="c"/> codes (no MCU padding).</summary>
        public (int Width, int Height) BlocksOf(int c)
        {
            var comp = spec.Components[c];
            return (((spec.Width * comp.Horizontal) + (8 * maxH) - 1) / (8 * maxH), ((spec.Height * comp.Vertical) + (8 * maxV) - 1) / (8 * maxV));
        }

        public long Units(int scanComponents, int first)
        {
            if (scanComponents > 1)
            {
                return (long)McusX * McusY;
            }

            var (w, h) = BlocksOf(first);
            return (long)w * h;
        }

        /// <summary>The sample value of component <paramref name="c"/>'s block (bx, by).</summary>
        public int Value(int c, int bx, int by)
        {
            var comp = spec.Components[c];
            if (c != 0 && !spec.SameValueInEveryComponent)
            {
                return 128;
            }

            // The component-0 block this block covers (components other than 0 are full resolution
            // when they repeat component 0).
            var x = bx * maxH / comp.Horizontal;
            var y = by * maxV / comp.Vertical;
            return spec.IsWhite(x, y) ? 255 : 64;
        }
    }
}

/// <summary>
/// A JPEG cut into its parts, to rebuild it with changes: SOI, each marker segment, each scan
/// (its SOS segment with the entropy-coded data after it), EOI.
/// </summary>
public static class JpegParts
{
    /// <summary>Splits a well-formed JPEG (no stray bytes) into parts; the parts concatenated are the file.</summary>
    public static List<byte[]> Split(byte[] jpeg)
    {
        ArgumentNullException.ThrowIfNull(jpeg);
        var parts = new List<byte[]> { jpeg[..2] };
        var pos = 2;
        while (pos < jpeg.Length)
        {
            if (jpeg[pos] != 0xFF)
            {
                throw new ArgumentException($"No marker at byte {pos}.", nameof(jpeg));
            }

            var marker = jpeg[pos + 1];
            if (marker == 0xD9)
            {
                parts.Add(jpeg[pos..]);
                break;
            }

            var end = pos + 2 + ((jpeg[pos + 2] << 8) | jpeg[pos + 3]);
            if (marker == 0xDA)
            {
                while (end < jpeg.Length - 1 && !(jpeg[end] == 0xFF && jpeg[end + 1] is not 0x00 and not (>= 0xD0 and <= 0xD7)))
                {
                    end++;
                }
            }

            parts.Add(jpeg[pos..end]);
            pos = end;
        }

        return parts;
    }

    /// <summary>The index of the first part whose marker is <paramref name="marker"/>.</summary>
    public static int IndexOf(List<byte[]> parts, byte marker)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return parts.FindIndex(p => p.Length >= 2 && p[0] == 0xFF && p[1] == marker);
    }

    /// <summary>Concatenates parts.</summary>
    public static byte[] Join(IEnumerable<byte[]> parts) => parts.SelectMany(p => p).ToArray();
}
