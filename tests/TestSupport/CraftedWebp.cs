using System.Buffers.Binary;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.TestSupport;

/// <summary>One RIFF chunk of a crafted WebP: its tag, payload, and the size its header declares (the payload's by default).</summary>
public sealed record WebpChunk(string Tag, byte[] Payload, uint? DeclaredSize = null)
{
    /// <summary>The chunk as written: header, payload, padding byte for an odd payload.</summary>
    public byte[] Bytes()
    {
        var bytes = new byte[8 + Payload.Length + (Payload.Length & 1)];
        Encoding.ASCII.GetBytes(Tag, bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), DeclaredSize ?? (uint)Payload.Length);
        Payload.CopyTo(bytes, 8);
        return bytes;
    }
}

/// <summary>
/// WebP files assembled chunk by chunk, with real VP8/VP8L bitstreams (from ImageSharp's encoder or
/// written bit by bit here), so tests can put any chunk in any order with any declared size.
/// </summary>
public static class CraftedWebp
{
    /// <summary>A RIFF/WEBP file of <paramref name="chunks"/>; the RIFF size is their length unless <paramref name="riffSize"/> says otherwise.</summary>
    public static byte[] Riff(IEnumerable<WebpChunk> chunks, uint? riffSize = null, byte[]? trailing = null)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var body = chunks.SelectMany(c => c.Bytes()).ToArray();
        var file = new byte[12 + body.Length + (trailing?.Length ?? 0)];
        Encoding.ASCII.GetBytes("RIFF", file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), riffSize ?? (uint)(4 + body.Length));
        Encoding.ASCII.GetBytes("WEBP", file.AsSpan(8));
        body.CopyTo(file, 12);
        trailing?.CopyTo(file, 12 + body.Length);
        return file;
    }

    /// <summary>A VP8X chunk: flags (alpha 0x10, animation 0x02...) and the canvas size.</summary>
    public static WebpChunk Vp8X(int width, int height, byte flags = 0)
    {
        var payload = new byte[10];
        payload[0] = flags;
        payload[4] = (byte)(width - 1);
        payload[5] = (byte)((width - 1) >> 8);
        payload[6] = (byte)((width - 1) >> 16);
        payload[7] = (byte)(height - 1);
        payload[8] = (byte)((height - 1) >> 8);
        payload[9] = (byte)((height - 1) >> 16);
        return new WebpChunk("VP8X", payload);
    }

    /// <summary>
    /// A picture of <paramref name="width"/> x <paramref name="height"/> encoded by ImageSharp (lossy at
    /// full quality, or lossless): white 16x16 blocks on a dark one. Returns its image chunk.
    /// </summary>
    public static (WebpChunk Chunk, long White) Encoded(int width, int height, bool lossless, int seed = 1)
    {
        using var image = GeneratedImages.DrawBlocks(width, height, (bx, by) => (bx + by + seed) % 3 == 0, static () => new Rgba32(40, 60, 80), out var white);

        using var ms = new MemoryStream();
        image.Save(ms, new WebpEncoder { FileFormat = lossless ? WebpFileFormatType.Lossless : WebpFileFormatType.Lossy, Quality = 100 });
        var file = ms.ToArray();
        var size = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(16));
        return (new WebpChunk(Encoding.ASCII.GetString(file, 12, 4), file.AsSpan(20, (int)size).ToArray()), white);
    }

    /// <summary>
    /// A lossless (VP8L) image whose entropy image names group <paramref name="groups"/> - 1 for
    /// every tile, followed by that many groups of single-literal codes (each an ARGB colour), so
    /// every pixel is the last group's colour. With <paramref name="writeGroups"/> false the stream
    /// stops after the entropy image: the allocation ImageSharp makes then is the whole attack.
    /// Tiles are 512x512 (<paramref name="prefixBits"/> 9) unless said otherwise.
    /// </summary>
    public static byte[] LosslessWithGroups(int width, int height, int groups, uint argb, bool writeGroups = true, int prefixBits = 9, bool alphaUsed = true)
    {
        var bits = new Vp8LBitWriter();
        bits.Header(width, height, alphaUsed);
        bits.Write(0, 1); // no transform
        bits.Write(0, 1); // no colour cache
        bits.Write(1, 1); // meta prefix codes
        bits.Write((uint)(prefixBits - 2), 3); // tiles of 2^prefixBits pixels a side
        var group = groups - 1;
        bits.Write(0, 1); // entropy image: no colour cache
        bits.SingleSymbolCodes(green: group & 0xFF, red: group >> 8, blue: 0, alpha: 0);
        if (writeGroups)
        {
            for (var g = 0; g < groups; g++)
            {
                bits.SingleSymbolCodes(green: (int)((argb >> 8) & 0xFF), red: (int)((argb >> 16) & 0xFF), blue: (int)(argb & 0xFF), alpha: (int)(argb >> 24));
            }
        }

        return bits.ToArray();
    }

    /// <summary>A lossless stream without header (as in an ALPH chunk) whose every pixel is <paramref name="argb"/>.</summary>
    public static byte[] LosslessStreamOfOneColour(uint argb, bool header = false, int width = 1, int height = 1)
    {
        var bits = new Vp8LBitWriter();
        if (header)
        {
            bits.Header(width, height);
        }

        bits.Write(0, 1); // no transform
        bits.Write(0, 1); // no colour cache
        bits.Write(0, 1); // no meta codes
        bits.SingleSymbolCodes(green: (int)((argb >> 8) & 0xFF), red: (int)((argb >> 16) & 0xFF), blue: (int)(argb & 0xFF), alpha: (int)(argb >> 24));
        return bits.ToArray();
    }

    /// <summary>Writes VP8L bits, least significant first.</summary>
    public sealed class Vp8LBitWriter
    {
        private readonly List<byte> _bytes = [];
        private int _bit;

        public void Header(int width, int height, bool alphaUsed = true)
        {
            Write(0x2F, 8);
            Write((uint)(width - 1), 14);
            Write((uint)(height - 1), 14);
            Write(alphaUsed ? 1u : 0u, 1);
            Write(0, 3); // version
        }

        public void Write(uint value, int count)
        {
            for (var i = 0; i < count; i++)
            {
                if (_bit % 8 == 0)
                {
                    _bytes.Add(0);
                }

                _bytes[^1] |= (byte)(((value >> i) & 1) << (_bit % 8));
                _bit++;
            }
        }

        /// <summary>A simple prefix code of one symbol (0 bits per use).</summary>
        public void SimpleCode(int symbol)
        {
            Write(1, 1); // simple
            Write(0, 1); // one symbol
            if (symbol < 2)
            {
                Write(0, 1);
                Write((uint)symbol, 1);
            }
            else
            {
                Write(1, 1);
                Write((uint)symbol, 8);
            }
        }

        /// <summary>The five codes of a group, each a single symbol: every pixel is this one literal.</summary>
        public void SingleSymbolCodes(int green, int red, int blue, int alpha)
        {
            SimpleCode(green);
            SimpleCode(red);
            SimpleCode(blue);
            SimpleCode(alpha);
            SimpleCode(0); // distance
        }

        /// <summary>
        /// A predictor transform over 4x4 tiles whose sub-image (no colour cache) costs one bit a
        /// pixel: a simple green code of two symbols, predictor modes 0 and 1, the other four codes of
        /// one symbol, then the first <paramref name="pixels"/> of the sub-image as random bits from
        /// <paramref name="seed"/>. The work a reader does per byte is at its most here.
        /// </summary>
        public void PredictorOfOneBitPixels(int pixels, int seed)
        {
            Write(1, 1); // a transform
            Write(0, 2); // predictor
            Write(0, 3); // 4x4 tiles
            Write(0, 1); // no colour cache
            Write(1, 1); // green: a simple code of two 8-bit symbols, 0 and 1
            Write(1, 1);
            Write(1, 1);
            Write(0, 8);
            Write(1, 8);
            SimpleCode(0);
            SimpleCode(0);
            SimpleCode(0);
            SimpleCode(0);
            var random = new Random(seed);
            for (var i = 0; i < pixels; i++)
            {
                Write((uint)random.Next(2), 1);
            }
        }

        public byte[] ToArray() => _bytes.ToArray();
    }
}
