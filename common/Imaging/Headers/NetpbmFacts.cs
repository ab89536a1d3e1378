namespace ImageGateway.Common.Imaging.Headers;

/// <summary>Why a Netpbm image is rewritten before ImageSharp decodes it (<see cref="NetpbmImageData"/>).</summary>
public enum NetpbmRewrite
{
    /// <summary>ImageSharp 2.1.13 reads it as the reference decoders do: decoded as sent.</summary>
    None,

    /// <summary>A plain (ASCII) raster: ImageSharp reads digit runs, comments and short rasters differently.</summary>
    Plain,

    /// <summary>A maxval other than 255 or 65535: ImageSharp marks samples white before scaling them.</summary>
    Maxval,

    /// <summary>A binary raster whose first byte is whitespace or '#', which ImageSharp skips as header.</summary>
    RasterStart,
}

/// <summary>What ImageSharp 2.1.13's Netpbm decoder will do with an image (PBM, PGM, PPM; plain or binary).</summary>
/// <param name="Width">Declared width.</param>
/// <param name="Height">Declared height.</param>
/// <param name="Kind">The magic number's digit: 1-3 plain, 4-6 binary; 1/4 PBM, 2/5 PGM, 3/6 PPM.</param>
/// <param name="MaxValue">The largest sample value (1 for PBM).</param>
/// <param name="RasterOffset">Where the raster starts: after the one whitespace byte that ends the header, as the reference decoders read it.</param>
/// <param name="Rewrite">Whether, and why, the backend rewrites the image before decoding.</param>
public sealed record NetpbmFacts(int Width, int Height, int Kind, int MaxValue, int RasterOffset, NetpbmRewrite Rewrite)
    : ImageFacts("pbm", Width, Height, Rewrite == NetpbmRewrite.None && MaxValue > 255 ? SampleDepth.Bits16 : SampleDepth.Bits8)
{
    /// <summary>Plain (ASCII) raster.</summary>
    public bool Plain => Kind <= 3;

    /// <summary>Samples a pixel: 3 for PPM, else 1.</summary>
    public int Channels => Kind is 3 or 6 ? 3 : 1;

    /// <summary>Bytes a binary sample takes: 2 when maxval is over 255 (0 for PBM, which packs 8 pixels a byte).</summary>
    public int BytesPerSample => Kind is 1 or 4 ? 0 : MaxValue > 255 ? 2 : 1;

    /// <summary>The binary raster's length in bytes (0 for plain rasters, whose length is not fixed).</summary>
    public long BinaryRasterBytes => Kind switch
    {
        4 => (Width + 7L) / 8 * Height,
        5 or 6 => (long)Width * Height * Channels * BytesPerSample,
        _ => 0,
    };

    /// <summary>
    /// ImageSharp 2.1.13 decodes a row at a time (at most 6 bytes a pixel for 16-bit PPM); a rewritten
    /// image is one byte a pixel more, held while it decodes.
    /// </summary>
    public override long DecoderBytes(long encodedBytes) =>
        (6L * Width) + (Rewrite == NetpbmRewrite.None ? 0 : Pixels + NetpbmImageData.CanonicalHeaderBytes);
}
