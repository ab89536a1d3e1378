using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ImageGateway.Common.Imaging.Headers;

/// <summary>How far <see cref="Vp8LBitstream"/> got.</summary>
internal enum Vp8LOutcome
{
    /// <summary>Every structure up to and including the prefix codes of every group was read and is valid.</summary>
    Read,

    /// <summary>The bytes ended first (an error for a whole body, more data for a prefix).</summary>
    EndOfData,

    /// <summary>The bitstream breaks a rule libwebp enforces; <see cref="Vp8LBitstream.Problem"/> says which.</summary>
    Invalid,

    /// <summary>More prefix-code groups than <see cref="WebpHeader.MaxPrefixCodeGroups"/>.</summary>
    TooManyGroups,

    /// <summary>A prefix read spent its work budget before the group count was known.</summary>
    OverBudget,
}

/// <summary>
/// Reads a VP8L (WebP lossless) image stream as libwebp's <c>vp8l_dec.c</c> does, as far as the
/// prefix codes of every group: the transforms and their sub-images, the colour cache, the entropy
/// image (decoded, to find the largest group index) and the five prefix codes of each group. It
/// decodes no pixel of the image itself. The group count is what ImageSharp 2.1.13 sizes the tables
/// it allocates with <c>new HuffmanCode[groups * tableSize]</c> by, before it reads a single group.
/// Work is bounded by the bits given: every decoding step reads at least one bit, and a step that
/// reads none repeats to the end of its sub-image (one group), which is computed at once; code
/// lengths coded in no bits are filled at once, and a code is built over the lengths written only.
/// A prefix read (the gateway's) is bounded further: it stops once the group count is known (the
/// groups' codes are checked only on the whole body) and after <see cref="PrefixWorkBudget"/> steps.
/// Pixel values are not kept: a backward reference or a colour-cache hit repeats an earlier pixel,
/// so the largest group index is the largest among the literal pixels of the entropy image.
/// </summary>
internal ref struct Vp8LBitstream
{
    /// <summary>
    /// The most decoding steps (a sub-image pixel or copy, a code length, a code) a prefix read
    /// spends before it gives up on the group count and answers with the worst case
    /// (<see cref="WebpLosslessStream.WorstCase"/>). Real encodings stay far below: libwebp's encoder
    /// writes at most 2600 entropy-image pixels and transform sub-images of 1/16 to 1/4096 of the
    /// image (tiles of 4x4 to 64x64), so an image needs more steps only from about 8 MPix, where
    /// its decode alone outweighs a backend's whole budget and the worst case changes nothing.
    /// </summary>
    public const int PrefixWorkBudget = 1 << 16;

    /// <summary>libwebp's MAX_CACHE_BITS.</summary>
    private const int MaxCacheBits = 11;

    private const int MaxAlphabet = 256 + 24 + (1 << MaxCacheBits);
    private const int LiteralCodes = 256;
    private const int LengthCodes = 24;
    private const int LookupBits = 8;
    private const int LookupSize = 1 << LookupBits;

    private static ReadOnlySpan<byte> CodeLengthCodeOrder => [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

    private static ReadOnlySpan<byte> CodeToPlane =>
    [
        0x18, 0x07, 0x17, 0x19, 0x28, 0x06, 0x27, 0x29, 0x16, 0x1a,
        0x26, 0x2a, 0x38, 0x05, 0x37, 0x39, 0x15, 0x1b, 0x36, 0x3a,
        0x25, 0x2b, 0x48, 0x04, 0x47, 0x49, 0x14, 0x1c, 0x35, 0x3b,
        0x46, 0x4a, 0x24, 0x2c, 0x58, 0x45, 0x4b, 0x34, 0x3c, 0x03,
        0x57, 0x59, 0x13, 0x1d, 0x56, 0x5a, 0x23, 0x2d, 0x44, 0x4c,
        0x55, 0x5b, 0x33, 0x3d, 0x68, 0x02, 0x67, 0x69, 0x12, 0x1e,
        0x66, 0x6a, 0x22, 0x2e, 0x54, 0x5c, 0x43, 0x4d, 0x65, 0x6b,
        0x32, 0x3e, 0x78, 0x01, 0x77, 0x79, 0x53, 0x5d, 0x11, 0x1f,
        0x64, 0x6c, 0x42, 0x4e, 0x76, 0x7a, 0x21, 0x2f, 0x75, 0x7b,
        0x31, 0x3f, 0x63, 0x6d, 0x52, 0x5e, 0x00, 0x74, 0x7c, 0x41,
        0x4f, 0x10, 0x20, 0x62, 0x6e, 0x30, 0x73, 0x7d, 0x51, 0x5f,
        0x40, 0x72, 0x7e, 0x61, 0x6f, 0x50, 0x71, 0x7f, 0x60, 0x70,
    ];

    private readonly ReadOnlySpan<byte> _data;
    private readonly long _totalBits;
    private readonly bool _prefixRead;
    private long _bit;
    private bool _endOfStream;
    private long _work;

    /// <param name="data">The stream (a VP8L chunk's payload, or an ALPH chunk's after its header byte).</param>
    /// <param name="whole">The data is the whole stream (else a prefix of it, whose end is only the end of what is known).</param>
    /// <param name="prefixRead">
    /// The read is of a prefix of the body (the gateway's): stop once the group count is known, and
    /// after <see cref="PrefixWorkBudget"/> steps (<see cref="Vp8LOutcome.OverBudget"/>).
    /// </param>
    public Vp8LBitstream(ReadOnlySpan<byte> data, bool whole, bool prefixRead)
    {
        _data = data;
        _prefixRead = prefixRead;

        // libwebp's bit reader reports the end only once its 64-bit window is past the last byte.
        _totalBits = whole ? Math.Max(data.Length, 8) * 8L : data.Length * 8L;
    }

    /// <summary>Why the stream is <see cref="Vp8LOutcome.Invalid"/> or <see cref="Vp8LOutcome.TooManyGroups"/>.</summary>
    public string? Problem { get; private set; }

    /// <summary>Prefix-code groups of the image (its largest group index plus one).</summary>
    public int Groups { get; private set; }

    /// <summary>Colour cache bits of the image's codes.</summary>
    public int ColorCacheBits { get; private set; }

    /// <summary>The stream has a predictor transform.</summary>
    public bool Predictor { get; private set; }

    /// <summary>The stream has a colour-indexing transform that packs several pixels into one value.</summary>
    public bool PackedColorIndex { get; private set; }

    /// <summary>Pixels of the sub-images read so far (transform data, colour map, entropy image).</summary>
    public long SubImagePixels { get; private set; }

    /// <summary>The group count (and so every fact before it) is known.</summary>
    public bool GroupsKnown { get; private set; }

    /// <summary>Decoding steps taken (sub-image pixels and copies, code lengths, codes).</summary>
    public readonly long Work => _work;

    /// <summary>
    /// What was learnt of the stream, for <see cref="WebpFacts"/>; when a prefix ended (or its
    /// budget ran out) before the group count, the worst case for an image of this size.
    /// </summary>
    public readonly WebpLosslessStream Facts(int width, int height) =>
        GroupsKnown ? new(Groups, ColorCacheBits, Predictor, PackedColorIndex, SubImagePixels) : WebpLosslessStream.WorstCase(width, height);

    /// <summary>Reads the 5-byte VP8L header (signature, size, alpha hint, version), then the image stream.</summary>
    public Vp8LOutcome ReadImage(out int width, out int height)
    {
        width = 0;
        height = 0;
        if (ReadBits(8) != 0x2F)
        {
            return Invalid("The WebP's VP8L chunk does not start with the lossless signature 0x2F.");
        }

        width = (int)ReadBits(14) + 1;
        height = (int)ReadBits(14) + 1;
        ReadBits(1); // alpha hint: neither decoder uses it
        if (ReadBits(3) != 0)
        {
            return Invalid("The WebP's VP8L header has a version other than 0.");
        }

        return _endOfStream ? Vp8LOutcome.EndOfData : ReadStream(width, height);
    }

    /// <summary>Reads a level-0 image stream of <paramref name="width"/> x <paramref name="height"/> (an alpha plane has no header).</summary>
    public Vp8LOutcome ReadStream(int width, int height)
    {
        // Transforms, each kind at most once.
        var xsize = width;
        var seen = 0;
        while (ReadBits(1) == 1)
        {
            var type = (int)ReadBits(2);
            if ((seen & (1 << type)) != 0)
            {
                return Invalid($"The WebP lossless stream has transform {type} twice.");
            }

            seen |= 1 << type;
            Predictor |= type == 0;
            Vp8LOutcome outcome;
            switch (type)
            {
                case 0 or 1:
                    var bits = (int)ReadBits(3) + 2;
                    outcome = SubImage(SubSample(xsize, bits), SubSample(height, bits), out _);
                    break;
                case 3:
                    var colors = (int)ReadBits(8) + 1;
                    var packing = colors > 16 ? 0 : colors > 4 ? 1 : colors > 2 ? 2 : 3;
                    PackedColorIndex = packing > 0;
                    outcome = SubImage(colors, 1, out _);
                    xsize = SubSample(xsize, packing);
                    break;
                default:
                    outcome = _endOfStream ? Vp8LOutcome.EndOfData : Vp8LOutcome.Read;
                    break;
            }

            if (outcome != Vp8LOutcome.Read)
            {
                return outcome;
            }
        }

        var cache = ColorCache();
        if (cache < 0)
        {
            return cache == -1 ? Vp8LOutcome.EndOfData : Vp8LOutcome.Invalid;
        }

        ColorCacheBits = cache;

        // Meta prefix codes: an entropy image whose pixels name a group each.
        var groups = 1;
        if (ReadBits(1) == 1)
        {
            var precision = (int)ReadBits(3) + 2;
            var entropy = SubImage(SubSample(xsize, precision), SubSample(height, precision), out var maxGroup);
            if (entropy != Vp8LOutcome.Read)
            {
                return entropy;
            }

            groups = maxGroup + 1;
        }

        if (_endOfStream)
        {
            return Vp8LOutcome.EndOfData;
        }

        Groups = groups;
        GroupsKnown = true;
        if (groups > WebpHeader.MaxPrefixCodeGroups)
        {
            Problem = $"The WebP lossless image has {groups} prefix-code groups; the limit is {WebpHeader.MaxPrefixCodeGroups}. "
                + "libwebp reads up to 65536 but builds tables only for the groups its pixels use; ImageSharp builds them for every index up to the largest, outside the image allocator.";
            return Vp8LOutcome.TooManyGroups;
        }

        if (_prefixRead)
        {
            return Vp8LOutcome.Read; // the facts are known; the codes are checked on the whole body
        }

        // Every group's five codes, validated and dropped (the image's pixels are not decoded here).
        Span<byte> lengths = stackalloc byte[MaxAlphabet];
        Span<ushort> symbols = stackalloc ushort[MaxAlphabet];
        Span<int> counts = stackalloc int[16];
        for (var g = 0; g < groups; g++)
        {
            for (var j = 0; j < 5; j++)
            {
                var code = ReadCode(AlphabetSize(j, cache), lengths, symbols, counts, sorted: false);
                if (code != Vp8LOutcome.Read)
                {
                    return code;
                }
            }
        }

        return Vp8LOutcome.Read;
    }

    private static int AlphabetSize(int code, int cacheBits) => code switch
    {
        0 => LiteralCodes + LengthCodes + (cacheBits > 0 ? 1 << cacheBits : 0),
        4 => 40,
        _ => 256,
    };

    private static int SubSample(int size, int bits) => (size + (1 << bits) - 1) >> bits;

    /// <summary>The colour cache bits (0 for none); -1 at the end of the data, -2 when invalid.</summary>
    private int ColorCache()
    {
        if (ReadBits(1) == 0)
        {
            return _endOfStream ? -1 : 0;
        }

        var bits = (int)ReadBits(4);
        if (_endOfStream)
        {
            return -1;
        }

        if (bits is < 1 or > MaxCacheBits)
        {
            Problem = $"The WebP lossless stream declares a colour cache of {bits} bits; libwebp reads 1 to {MaxCacheBits}.";
            return -2;
        }

        return bits;
    }

    /// <summary>
    /// Decodes a sub-image (no transforms, one group of codes) of <paramref name="width"/> x
    /// <paramref name="height"/> pixels, as libwebp's <c>DecodeImageData</c> steps through it.
    /// <paramref name="maxGroup"/> is the largest (red &lt;&lt; 8 | green) of its literal pixels.
    /// </summary>
    private Vp8LOutcome SubImage(int width, int height, out int maxGroup)
    {
        maxGroup = 0;
        SubImagePixels += (long)width * height;
        var cache = ColorCache();
        if (cache < 0)
        {
            return cache == -1 ? Vp8LOutcome.EndOfData : Vp8LOutcome.Invalid;
        }

        // The five codes of the single group: green (with lengths and cache), red, blue, alpha, distance.
        Span<byte> lengths = stackalloc byte[MaxAlphabet];
        Span<ushort> symbols = stackalloc ushort[MaxAlphabet + (3 * 256) + 40];
        Span<int> counts = stackalloc int[5 * 16];
        Span<int> singles = stackalloc int[5];
        Span<ushort> lookups = stackalloc ushort[5 * LookupSize];
        var offset = 0;
        Span<int> starts = stackalloc int[5];
        for (var j = 0; j < 5; j++)
        {
            var alphabet = AlphabetSize(j, cache);
            starts[j] = offset;
            var code = ReadCode(alphabet, lengths, symbols.Slice(offset, alphabet), counts.Slice(16 * j, 16), sorted: true);
            if (code != Vp8LOutcome.Read)
            {
                return code;
            }

            singles[j] = counts[16 * j] == -1 ? symbols[offset] : -1;
            if (singles[j] < 0)
            {
                BuildLookup(symbols.Slice(offset, alphabet), counts.Slice(16 * j, 16), lookups.Slice(LookupSize * j, LookupSize));
            }

            offset += alphabet;
        }

        var greenSymbols = symbols[starts[0]..];
        var greenCounts = counts[..16];
        var greenLookup = lookups[..LookupSize];
        var trivialRest = singles[1] >= 0 && singles[2] >= 0 && singles[3] >= 0;

        var total = (long)width * height;
        long pos = 0;
        var lengthLimit = LiteralCodes + LengthCodes;
        var cacheLimit = lengthLimit + (cache > 0 ? 1 << cache : 0);
        while (pos < total)
        {
            if (++_work > PrefixWorkBudget && _prefixRead)
            {
                return Vp8LOutcome.OverBudget;
            }

            var before = _bit;
            var green = Decode(greenSymbols, greenCounts, singles[0], greenLookup);
            if (green < LiteralCodes)
            {
                int red;
                if (trivialRest)
                {
                    red = singles[1];
                }
                else
                {
                    red = Decode(symbols[starts[1]..], counts.Slice(16, 16), singles[1], lookups.Slice(LookupSize, LookupSize));
                    Decode(symbols[starts[2]..], counts.Slice(32, 16), singles[2], lookups.Slice(2 * LookupSize, LookupSize));
                    Decode(symbols[starts[3]..], counts.Slice(48, 16), singles[3], lookups.Slice(3 * LookupSize, LookupSize));
                }

                if (_endOfStream)
                {
                    return Vp8LOutcome.EndOfData;
                }

                maxGroup = Math.Max(maxGroup, (red << 8) | green);
                pos++;
                if (_bit == before)
                {
                    return Vp8LOutcome.Read; // every remaining pixel is this same literal
                }
            }
            else if (green < lengthLimit)
            {
                var length = CopyValue(green - LiteralCodes);
                var distanceSymbol = Decode(symbols[starts[4]..], counts.Slice(64, 16), singles[4], lookups.Slice(4 * LookupSize, LookupSize));
                var distance = PlaneDistance(width, CopyValue(distanceSymbol));
                if (_endOfStream)
                {
                    return Vp8LOutcome.EndOfData;
                }

                if (distance > pos || length > total - pos)
                {
                    return Invalid($"The WebP lossless stream copies {length} pixels from {distance} back at pixel {pos} of a {width}x{height} sub-image, outside it.");
                }

                pos += length;
                if (_bit == before)
                {
                    // The same copy repeats to the end: it must end exactly there.
                    return (total - pos) % length == 0
                        ? Vp8LOutcome.Read
                        : Invalid($"The WebP lossless stream's copies of {length} pixels overrun a {width}x{height} sub-image.");
                }
            }
            else if (green < cacheLimit)
            {
                if (_endOfStream)
                {
                    return Vp8LOutcome.EndOfData;
                }

                pos++;
                if (_bit == before)
                {
                    return Vp8LOutcome.Read; // colour-cache hits to the end repeat earlier pixels
                }
            }
            else
            {
                return Invalid("The WebP lossless stream has a symbol past its green alphabet.");
            }
        }

        return _endOfStream ? Vp8LOutcome.EndOfData : Vp8LOutcome.Read;
    }

    /// <summary>libwebp's <c>GetCopyDistance</c> (also used for lengths).</summary>
    private int CopyValue(int symbol)
    {
        if (symbol < 4)
        {
            return symbol + 1;
        }

        var extra = (symbol - 2) >> 1;
        var offset = (2 + (symbol & 1)) << extra;
        return offset + (int)ReadBits(extra) + 1;
    }

    /// <summary>libwebp's <c>PlaneCodeToDistance</c>.</summary>
    private static int PlaneDistance(int width, int code)
    {
        if (code > CodeToPlane.Length)
        {
            return code - CodeToPlane.Length;
        }

        var plane = CodeToPlane[code - 1];
        var distance = ((plane >> 4) * width) + (8 - (plane & 0x0F));
        return distance >= 1 ? distance : 1;
    }

    /// <summary>
    /// libwebp's <c>ReadHuffmanCode</c>: a simple code (one or two symbols) or code lengths coded by a
    /// code-length code; fills <paramref name="counts"/> (codes per length, or -1 in [0] for a single
    /// 0-bit symbol) and, when <paramref name="sorted"/>, <paramref name="symbols"/> (by length, then
    /// value) for decoding with it. Lengths are counted as they are read, so a code that is only
    /// checked costs its bits, not its alphabet.
    /// </summary>
    private Vp8LOutcome ReadCode(int alphabet, scoped Span<byte> lengths, scoped Span<ushort> symbols, scoped Span<int> counts, bool sorted)
    {
        if (++_work > PrefixWorkBudget && _prefixRead)
        {
            return Vp8LOutcome.OverBudget;
        }

        if (ReadBits(1) == 1)
        {
            var two = ReadBits(1) == 1;
            var first = (int)ReadBits(ReadBits(1) == 0 ? 1 : 8);
            var second = two ? (int)ReadBits(8) : -1;
            if (_endOfStream)
            {
                return Vp8LOutcome.EndOfData;
            }

            return Simple(alphabet, first, second, symbols, counts)
                ? Vp8LOutcome.Read
                : Invalid("The WebP lossless stream has a prefix code whose lengths libwebp refuses (none, too many, or too few).");
        }

        Span<byte> codeLengthLengths = stackalloc byte[19];
        codeLengthLengths.Clear();
        var n = (int)ReadBits(4) + 4;
        for (var i = 0; i < n; i++)
        {
            codeLengthLengths[CodeLengthCodeOrder[i]] = (byte)ReadBits(3);
        }

        Span<ushort> lengthSymbols = stackalloc ushort[19];
        Span<int> lengthCounts = stackalloc int[16];
        if (!Build(codeLengthLengths, lengthSymbols, lengthCounts))
        {
            return _endOfStream ? Vp8LOutcome.EndOfData : Invalid("The WebP lossless stream has an invalid code-length code.");
        }

        var single = lengthCounts[0] == -1 ? lengthSymbols[0] : -1;
        var max = alphabet;
        if (ReadBits(1) == 1)
        {
            var bits = 2 + (2 * (int)ReadBits(3));
            max = 2 + (int)ReadBits(bits);
            if (max > alphabet)
            {
                return _endOfStream ? Vp8LOutcome.EndOfData : Invalid($"The WebP lossless stream codes {max} code lengths for an alphabet of {alphabet}.");
            }
        }

        counts.Clear();
        var symbol = 0;
        var previous = 8;
        var last = 0; // the last symbol given a length: the code's symbol when it has only one
        while (symbol < alphabet && max-- > 0)
        {
            if (++_work > PrefixWorkBudget && _prefixRead)
            {
                return Vp8LOutcome.OverBudget;
            }

            int value, run;
            if (single is >= 0 and < 16)
            {
                // Every remaining length is this one, coded in no bits.
                (value, run) = (single, Math.Min(max + 1, alphabet - symbol));
                max = 0;
            }
            else
            {
                var length = Decode(lengthSymbols, lengthCounts, single, []);
                (value, run) = length switch
                {
                    < 16 => (length, 1),
                    16 => (previous, (int)ReadBits(2) + 3),
                    17 => (0, (int)ReadBits(3) + 3),
                    _ => (0, (int)ReadBits(7) + 11),
                };
                if (_endOfStream)
                {
                    return Vp8LOutcome.EndOfData;
                }

                if (symbol + run > alphabet)
                {
                    return Invalid("The WebP lossless stream repeats a code length past its alphabet.");
                }

                if (length < 16 && length != 0)
                {
                    previous = length;
                }
            }

            if (value != 0)
            {
                counts[value] += run;
                last = symbol + run - 1;
            }

            lengths.Slice(symbol, run).Fill((byte)value);
            symbol += run;
        }

        if (_endOfStream)
        {
            return Vp8LOutcome.EndOfData;
        }

        // The lengths not written are zero.
        return Complete(lengths[..symbol], last, symbols, counts, sorted)
            ? Vp8LOutcome.Read
            : Invalid("The WebP lossless stream has a prefix code whose lengths libwebp refuses (none, too many, or too few).");
    }

    /// <summary>Counts <paramref name="lengths"/> (all of them written) and checks the code as <see cref="Complete"/> does.</summary>
    private static bool Build(ReadOnlySpan<byte> lengths, Span<ushort> symbols, Span<int> counts)
    {
        counts.Clear();
        var last = 0;
        for (var s = 0; s < lengths.Length; s++)
        {
            if (lengths[s] != 0)
            {
                counts[lengths[s]]++;
                last = s;
            }
        }

        return Complete(lengths, last, symbols, counts, sorted: true);
    }

    /// <summary>
    /// libwebp's <c>BuildHuffmanTable</c> rules on counted lengths: at least one code; a single code
    /// is 0 bits long (<paramref name="last"/> is its symbol); otherwise the lengths must make a
    /// complete prefix code. When <paramref name="sorted"/>, lists the symbols by length, then value.
    /// </summary>
    private static bool Complete(ReadOnlySpan<byte> lengths, int last, Span<ushort> symbols, Span<int> counts, bool sorted)
    {
        var used = 0;
        for (var length = 1; length < 16; length++)
        {
            used += counts[length];
        }

        if (used == 0)
        {
            return false;
        }

        if (used == 1)
        {
            counts.Clear();
            counts[0] = -1;
            symbols[0] = (ushort)last;
            return true;
        }

        var open = 1;
        for (var length = 1; length < 16; length++)
        {
            open = (open << 1) - counts[length];
            if (open < 0)
            {
                return false;
            }
        }

        if (open != 0)
        {
            return false;
        }

        if (sorted)
        {
            Span<int> next = stackalloc int[16];
            for (int length = 1, at = 0; length < 16; length++)
            {
                next[length] = at;
                at += counts[length];
            }

            for (var s = 0; s < lengths.Length; s++)
            {
                if (lengths[s] != 0)
                {
                    symbols[next[lengths[s]]++] = (ushort)s;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// A simple code as libwebp builds it: length 1 for each of its one or two symbols (only those
    /// within the alphabet count), so one symbol is a 0-bit code and two are a 1-bit code.
    /// </summary>
    private static bool Simple(int alphabet, int first, int second, Span<ushort> symbols, Span<int> counts)
    {
        counts.Clear();
        var a = first < alphabet ? first : -1;
        var b = second >= 0 && second < alphabet && second != a ? second : -1;
        if (a < 0)
        {
            (a, b) = (b, -1);
        }

        if (a < 0)
        {
            return false;
        }

        if (b < 0)
        {
            counts[0] = -1;
            symbols[0] = (ushort)a;
            return true;
        }

        counts[1] = 2;
        symbols[0] = (ushort)Math.Min(a, b);
        symbols[1] = (ushort)Math.Max(a, b);
        return true;
    }

    /// <summary>
    /// Fills <paramref name="lookup"/> (indexed by the next <see cref="LookupBits"/> stream bits) with
    /// (length &lt;&lt; 12) | symbol for every code of at most that many bits; 0 marks longer codes.
    /// Codes are assigned canonically and read most significant bit first, so the index is the code
    /// bit-reversed, repeated for every value of the bits that follow it.
    /// </summary>
    private static void BuildLookup(ReadOnlySpan<ushort> symbols, ReadOnlySpan<int> counts, Span<ushort> lookup)
    {
        lookup.Clear();
        int code = 0, index = 0;
        for (var length = 1; length <= LookupBits; length++)
        {
            for (var i = 0; i < counts[length]; i++, code++)
            {
                var reversed = 0;
                for (var b = 0; b < length; b++)
                {
                    reversed |= ((code >> b) & 1) << (length - 1 - b);
                }

                var entry = (ushort)((length << 12) | symbols[index++]);
                for (var k = reversed; k < LookupSize; k += 1 << length)
                {
                    lookup[k] = entry;
                }
            }

            code <<= 1;
        }
    }

    /// <summary>Decodes one symbol: by the lookup table for short codes, else bit by bit from one 56-bit peek (codes come most significant bit first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Decode(scoped ReadOnlySpan<ushort> symbols, scoped ReadOnlySpan<int> counts, int single, scoped ReadOnlySpan<ushort> lookup)
    {
        if (single >= 0)
        {
            return single;
        }

        var window = Peek();
        if (!lookup.IsEmpty)
        {
            var entry = lookup[(int)(window & (LookupSize - 1))];
            if (entry != 0)
            {
                Advance(entry >> 12);
                return entry & 0x0FFF;
            }
        }

        return DecodeBitByBit(window, symbols, counts);
    }

    private int DecodeBitByBit(ulong window, scoped ReadOnlySpan<ushort> symbols, scoped ReadOnlySpan<int> counts)
    {
        int code = 0, first = 0, index = 0;
        for (var length = 1; length < 16; length++)
        {
            code |= (int)(window & 1);
            window >>= 1;
            var count = counts[length];
            if (code - first < count)
            {
                Advance(length);
                return symbols[index + code - first];
            }

            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }

        Advance(15);
        return 0; // unreachable for a complete code
    }

    /// <summary>Reads <paramref name="count"/> (at most 24) bits, least significant first; past the end, zeros and the end flag.</summary>
    private uint ReadBits(int count)
    {
        var value = (uint)(Peek() & ((1UL << count) - 1));
        Advance(count);
        return _endOfStream ? 0 : value;
    }

    /// <summary>The next 56 or more bits, least significant first (zeros past the data).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly ulong Peek()
    {
        var byteIndex = (int)(_bit >> 3);
        return byteIndex + 8 <= _data.Length && !_endOfStream
            ? BinaryPrimitives.ReadUInt64LittleEndian(_data[byteIndex..]) >> (int)(_bit & 7)
            : PeekNearTheEnd();
    }

    private readonly ulong PeekNearTheEnd()
    {
        if (_endOfStream)
        {
            return 0;
        }

        var byteIndex = (int)(_bit >> 3);
        var window = 0UL;
        for (var i = 0; byteIndex + i < _data.Length; i++)
        {
            window |= (ulong)_data[byteIndex + i] << (8 * i);
        }

        return window >> (int)(_bit & 7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Advance(int count)
    {
        _bit += count;
        if (_bit > _totalBits)
        {
            _endOfStream = true;
        }
    }

    private Vp8LOutcome Invalid(string problem)
    {
        Problem = problem;
        return Vp8LOutcome.Invalid;
    }
}
