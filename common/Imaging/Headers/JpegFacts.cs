namespace ImageGateway.Common.Imaging.Headers;

/// <summary>How the decoder turns a JPEG's components into colours.</summary>
public enum JpegColorSpace
{
    Grayscale,
    YCbCr,
    Rgb,
    Cmyk,
    Ycck,
}

/// <summary>
/// The components of a JPEG frame and their sampling factors, as a value (two frames with the same
/// components are equal). At most four components, each factor 1..4.
/// </summary>
public readonly record struct JpegSampling
{
    private readonly uint _factors;

    private JpegSampling(int count, uint factors)
    {
        Count = count;
        _factors = factors;
    }

    /// <summary>Number of components (1, 3 or 4 in an accepted JPEG).</summary>
    public int Count { get; }

    /// <summary>The largest horizontal factor.</summary>
    public int MaxHorizontal
    {
        get
        {
            var max = 1;
            for (var i = 0; i < Count; i++)
            {
                max = Math.Max(max, Horizontal(i));
            }

            return max;
        }
    }

    /// <summary>The largest vertical factor.</summary>
    public int MaxVertical
    {
        get
        {
            var max = 1;
            for (var i = 0; i < Count; i++)
            {
                max = Math.Max(max, Vertical(i));
            }

            return max;
        }
    }

    /// <summary>Builds the value from one <c>(horizontal &lt;&lt; 4) | vertical</c> byte per component, as a frame header stores them.</summary>
    public static JpegSampling FromFrameHeaderBytes(ReadOnlySpan<byte> factors)
    {
        if (factors.Length is < 1 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(factors), factors.Length, "1 to 4 components");
        }

        uint packed = 0;
        for (var i = 0; i < factors.Length; i++)
        {
            packed |= (uint)factors[i] << (8 * i);
        }

        return new JpegSampling(factors.Length, packed);
    }

    /// <summary>The horizontal sampling factor of component <paramref name="index"/>.</summary>
    public int Horizontal(int index) => (int)((_factors >> (8 * index)) >> 4) & 0x0F;

    /// <summary>The vertical sampling factor of component <paramref name="index"/>.</summary>
    public int Vertical(int index) => (int)(_factors >> (8 * index)) & 0x0F;

    public override string ToString()
    {
        var parts = new string[Count];
        for (var i = 0; i < Count; i++)
        {
            parts[i] = $"{Horizontal(i)}x{Vertical(i)}";
        }

        return string.Join(',', parts);
    }
}

/// <summary>
/// What <see cref="JpegHeader"/> found: the frame ImageSharp 2.1.13 decodes and what its decode keeps.
/// </summary>
/// <param name="Width">Frame width (SOFn).</param>
/// <param name="Height">Frame height (SOFn).</param>
/// <param name="Progressive">A progressive (SOF2) frame.</param>
/// <param name="Sampling">The components and their sampling factors.</param>
/// <param name="ColorSpace">The colour space ImageSharp and libjpeg both decode the components as.</param>
/// <param name="KeepsAllCoefficients">
/// The decoder keeps every DCT coefficient of the image until the end: a progressive frame, a
/// baseline frame whose first scan does not hold every component (ImageSharp then keeps the whole
/// image like a progressive one), or a prefix that ends before the first scan (assumed the dearest).
/// </param>
/// <param name="Scans">Scans (SOS) found in the bytes read, walking markers as libjpeg does.</param>
/// <param name="ScanMarkers">
/// Start-of-scan byte pairs (FF DA) anywhere in the bytes read: the most scans ImageSharp's marker
/// search can ever decode, even where it steps into a segment's payload. Bounded by
/// <see cref="JpegHeader.MaxScans"/>.
/// </param>
/// <param name="StrayBytes">
/// Bytes outside any segment that libjpeg skips and ImageSharp would misread (stray bytes, fill
/// bytes, FF 00 pairs, restart markers and DNL segments between segments). Not zero means the body
/// must go through <see cref="JpegNormaliser.Normalise"/> before ImageSharp sees it.
/// </param>
public sealed record JpegFacts(
    int Width,
    int Height,
    bool Progressive,
    JpegSampling Sampling,
    JpegColorSpace ColorSpace,
    bool KeepsAllCoefficients,
    int Scans,
    int ScanMarkers,
    int StrayBytes)
    : ImageFacts("jpeg", Width, Height, SampleDepth.Bits8)
{
    /// <summary>Bytes of one 8x8 block of 16-bit coefficients (ImageSharp's <c>Block8x8</c>).</summary>
    private const int BlockBytes = 64 * sizeof(short);

    /// <summary>Decoder state that does not grow with the image: the DHT parse buffer (17 + 256 + 256 x 4 bytes) and slack.</summary>
    private const int TableBytes = 4 * 1024;

    /// <summary>The body must be rewritten by <see cref="JpegNormaliser.Normalise"/> before decoding.</summary>
    public bool NeedsNormalising => StrayBytes > 0;

    /// <summary>ImageSharp makes one pass over the image's blocks per scan it decodes.</summary>
    public override int DecodePasses => Math.Max(1, ScanMarkers);

    /// <summary>
    /// What ImageSharp 2.1.13's <c>JpegDecoderCore</c> allocates besides the output frame, computed
    /// from its own sizes: the spectral blocks of every component (<c>JpegComponent.AllocateSpectral</c>:
    /// blocks padded to whole MCUs, the whole image when every coefficient is kept, one MCU row
    /// otherwise), one float colour strip per component (<c>JpegComponentPostProcessor</c>: the padded
    /// width times one MCU row of pixels), the RGB row and proxy row of <c>SpectralConverter</c>, the
    /// DHT buffer, and the normalised copy of the body when one is needed.
    /// </summary>
    public override long DecoderBytes(long encodedBytes)
    {
        var maxH = Sampling.MaxHorizontal;
        var maxV = Sampling.MaxVertical;
        long mcusX = (Width + (8L * maxH) - 1) / (8L * maxH);
        long mcusY = (Height + (8L * maxV) - 1) / (8L * maxV);
        long spectral = 0;
        for (var i = 0; i < Sampling.Count; i++)
        {
            var rows = KeepsAllCoefficients ? mcusY * Sampling.Vertical(i) : Sampling.Vertical(i);
            spectral += mcusX * Sampling.Horizontal(i) * rows * BlockBytes;
        }

        var strips = Sampling.Count * (mcusX * maxH * 8) * (maxV * 8L) * sizeof(float);
        var rows3 = (3L * Width) + Width + 3;
        var copy = NeedsNormalising ? encodedBytes : 0;
        return spectral + strips + rows3 + TableBytes + copy;
    }
}
