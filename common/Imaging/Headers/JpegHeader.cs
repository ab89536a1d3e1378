using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using ImageGateway.Common.Problems;

namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// The header model for JPEG. It walks the markers the way libjpeg does (the reference: Pillow hands
/// the whole file to libjpeg after its own marker loop up to the first scan) and refuses every
/// structure on which ImageSharp 2.1.13's <c>JpegDecoderCore</c> would read something else:
/// <list type="bullet">
/// <item>ImageSharp reads the two bytes after SOI as a marker without checking for 0xFF, reads a
/// length after any marker it does not know (RSTn, TEM, JPGn, DNL...) without skipping the segment,
/// and after a scan steps through the bytes two at a time; libjpeg skips stray bytes one at a time
/// and skips unknown segments by their length (or refuses them). Bytes libjpeg skips between
/// segments are <see cref="JpegFacts.StrayBytes"/>: <see cref="JpegNormaliser"/> removes them so
/// ImageSharp sees the same segments; segments libjpeg refuses (JPGn, DHP, EXP, reserved) are refused.</item>
/// <item>The colour space: ImageSharp guesses it at SOF from any APP0, Adobe APP14 and component ids
/// (RGB for ids other than 1,2,3 at 4:4:4); libjpeg at the first scan from a real JFIF APP0, Adobe
/// APP14 and ids 1,2,3 / R,G,B (else YCbCr). Where the two guesses differ the image is refused.</item>
/// <item>What libjpeg refuses and ImageSharp decodes anyway: two SOFs, a second scan in a single-scan
/// baseline image, missing or invalid Huffman/quantisation tables, MCUs of more than 10 blocks,
/// fractional subsampling, restart markers that do not match the restart interval, 12-bit samples.</item>
/// </list>
/// The walk is linear in the bytes given: entropy-coded data is searched for 0xFF with a vectorised
/// <c>IndexOf</c>, nothing is allocated. A prefix (<c>complete</c> false: the gateway's peek) is read
/// only up to its first scan header, where every fact the decode's cost depends on is known: the
/// search through the entropy-coded data, and what it finds (later scans, restart markers, stray
/// bytes, the scan limit), is left to the whole body's read.
/// </summary>
internal static class JpegHeader
{
    /// <summary>
    /// The most scans an accepted JPEG may hold (counted as start-of-scan markers, <see cref="JpegFacts.ScanMarkers"/>).
    /// libjpeg-turbo leaves the limit to the application (TurboJPEG's <c>TJPARAM_SCANLIMIT</c>,
    /// djpeg's <c>-maxscans</c>, default none) and uses 500 in its own fuzzers; ImageSharp makes one pass
    /// over the image per scan and decode deadlines scale by it, so the limit here is lower: ten times
    /// libjpeg's standard progressive script (10 scans for colour, 6 for gray).
    /// </summary>
    public const int MaxScans = 100;

    /// <summary>libjpeg's <c>JPEG_MAX_DIMENSION</c>: larger frames are refused by the reference.</summary>
    public const int MaxDimension = 65500;

    /// <summary>Reads the JPEG in <paramref name="data"/> (see the header model's contract in <see cref="HeaderRead"/>).</summary>
    public static HeaderRead Read(ReadOnlySpan<byte> data, bool complete, long? bodyLength)
    {
        var walk = new JpegWalk(data, complete, bodyLength, []);
        return walk.Run();
    }
}

/// <summary>
/// One walk over a JPEG's markers, shared by <see cref="JpegHeader"/> (which only reads) and
/// <see cref="JpegNormaliser"/> (which also copies the bytes it keeps to an output), so the two can
/// never disagree about which bytes are stray.
/// </summary>
internal ref struct JpegWalk
{
    private const byte Sof0 = 0xC0;
    private const byte Sof1 = 0xC1;
    private const byte Sof2 = 0xC2;
    private const byte Dht = 0xC4;
    private const byte Jpg = 0xC8;
    private const byte Dac = 0xCC;
    private const byte Rst0 = 0xD0;
    private const byte Rst7 = 0xD7;
    private const byte Soi = 0xD8;
    private const byte Eoi = 0xD9;
    private const byte Sos = 0xDA;
    private const byte Dqt = 0xDB;
    private const byte Dnl = 0xDC;
    private const byte Dri = 0xDD;
    private const byte App0 = 0xE0;
    private const byte App14 = 0xEE;
    private const byte Com = 0xFE;

    private readonly ReadOnlySpan<byte> _data;
    private readonly bool _complete;
    private readonly long? _bodyLength;
    private readonly Span<byte> _output;
    private int _written;
    private int _keepFrom;
    private int _stray;

    // Frame (SOFn).
    private bool _frame;
    private bool _progressive;
    private int _width;
    private int _height;
    private int _components;
    private Quad _ids;
    private Quad _factors;
    private Quad _quantTables;
    private int _maxH;
    private int _maxV;
    private JpegColorSpace _imageSharpColorSpace;

    // Tables and state between segments.
    private int _dcDefined;
    private int _acDefined;
    private int _dcOutOfRange;
    private int _quantDefined;
    private int _restartInterval;
    private long _imageSharpRestartCountdown;
    private int _componentsScanned;

    // Colour-space evidence: what libjpeg saw before the first scan, what ImageSharp saw before SOF.
    private bool _jfifLibjpeg;
    private bool _adobeLibjpeg;
    private byte _adobeTransformLibjpeg;
    private bool _app0ImageSharp;
    private ulong _adobeImageSharp;

    // Scans.
    private int _scans;
    private int _scanMarkers;
    private int _pairsFrom;
    private int _firstScanComponents;
    private long _scanUnits;
    private JpegColorSpace _colorSpace;

    public JpegWalk(ReadOnlySpan<byte> data, bool complete, long? bodyLength, Span<byte> output)
    {
        _data = data;
        _complete = complete;
        _bodyLength = bodyLength;
        _output = output;
    }

    /// <summary>Bytes written to the output (the normalised body) by <see cref="Run"/>.</summary>
    public readonly int Written => _written;

    public HeaderRead Run()
    {
        var data = _data;
        if (data.Length < 2)
        {
            return _complete ? Truncated("before its start-of-image marker") : HeaderRead.NeedMoreData;
        }

        if (data[0] != 0xFF || data[1] != Soi)
        {
            return Corrupt($"The JPEG does not start with a start-of-image marker (FF D8); it starts {data[0]:X2} {data[1]:X2}.");
        }

        if (data.Length < 3)
        {
            return _complete ? Truncated("after its start-of-image marker") : HeaderRead.NeedMoreData;
        }

        // Pillow accepts a JPEG only when a marker (0xFF) follows SOI; ImageSharp would read whatever
        // two bytes follow as a marker, libjpeg would skip them as garbage.
        if (data[2] != 0xFF)
        {
            return Corrupt($"The byte after the JPEG's start-of-image marker is {data[2]:X2}, not a marker (FF): the decoders would read different markers.");
        }

        var pos = 2;
        while (true)
        {
            if (!FindMarker(ref pos, out var marker, out var markerPos))
            {
                return EndOfData();
            }

            var segment = markerPos + 2;
            if (marker is >= Rst0 and <= Rst7)
            {
                // libjpeg and Pillow ignore a restart marker between segments; ImageSharp would read
                // the next two bytes as its length and search for a marker inside the segment after it.
                Drop(markerPos, segment);
                pos = segment;
                continue;
            }

            switch (marker)
            {
                case Soi:
                    return Corrupt($"The JPEG has a second start-of-image marker at byte {markerPos}.");
                case Eoi:
                    if (_scans == 0)
                    {
                        return Corrupt(_frame
                            ? $"The JPEG ends (EOI at byte {markerPos}) before any scan."
                            : $"The JPEG ends (EOI at byte {markerPos}) before its frame header.");
                    }

                    Keep(segment);
                    return Accept();
                case 0x01:
                    return Corrupt($"The JPEG has a TEM marker at byte {markerPos}: Pillow refuses it and ImageSharp would read a length after it.");
                case Jpg:
                    return Corrupt($"The JPEG has a reserved JPG marker (FF C8) at byte {markerPos}, which libjpeg refuses.");
                case >= 0xF0 and <= 0xFD:
                    return Corrupt($"The JPEG has a JPG{marker - 0xF0} segment (FF {marker:X2}) at byte {markerPos}: libjpeg refuses it, and ImageSharp would read the markers inside it.");
                case 0xDE or 0xDF:
                    return Unsupported($"The JPEG is hierarchical ({(marker == 0xDE ? "DHP" : "EXP")} marker at byte {markerPos}); hierarchical JPEG is not accepted.");
                case < 0xC0:
                    return Corrupt($"The JPEG has a reserved marker FF {marker:X2} at byte {markerPos}, which libjpeg refuses.");
            }

            // Every other marker has a length.
            if (segment + 2 > data.Length)
            {
                return EndOfData();
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(data[segment..]);
            if (length < 2)
            {
                return Corrupt($"The JPEG's FF {marker:X2} segment at byte {markerPos} declares a length of {length}; the least is 2.");
            }

            var end = segment + length;
            if (_bodyLength is { } body && end > body)
            {
                return Corrupt($"The JPEG's FF {marker:X2} segment at byte {markerPos} runs to byte {end}, past the end of the {body}-byte body.");
            }

            if (end > data.Length)
            {
                return EndOfData();
            }

            var payload = data[(segment + 2)..end];
            HeaderRead? refusal = marker switch
            {
                Sof0 or Sof1 or Sof2 => Frame(marker, markerPos, payload),
                0xC3 or (>= 0xC5 and <= 0xC7) => Unsupported($"The JPEG is {Process(marker)} (SOF{marker - 0xC0}); ImageSharp does not decode it."),
                (>= 0xC9 and <= 0xCB) or (>= 0xCD and <= 0xCF) or Dac => Unsupported($"The JPEG is arithmetic-coded ({(marker == Dac ? "DAC" : $"SOF{marker - 0xC0}")}); ImageSharp does not decode it."),
                Dht => HuffmanTables(markerPos, payload),
                Dqt => QuantisationTables(markerPos, payload),
                Dri => RestartInterval(markerPos, payload),
                App0 => App0Segment(payload),
                App14 => App14Segment(payload),
                _ => null, // SOS and DNL below; APP1..APP13, APP15, COM: skipped by both decoders.
            };

            if (refusal is { } refused)
            {
                return refused;
            }

            if (marker == Dnl)
            {
                // libjpeg skips DNL by its length; ImageSharp does not know it and would search for a
                // marker inside it. It only matters when the frame height is 0, which both refuse.
                Drop(markerPos, end);
                pos = end;
                continue;
            }

            if (marker != Sos)
            {
                pos = end;
                continue;
            }

            if (_complete && CountScanMarkers(end) is { } tooMany)
            {
                return tooMany;
            }

            var scan = Scan(markerPos, payload);
            if (scan is { } refusedScan)
            {
                return refusedScan;
            }

            if (!_complete)
            {
                // A prefix (the gateway's peek) is read to its first scan header, where every fact
                // the decode's cost depends on is known; what follows is found only by searching the
                // entropy-coded data, a pass over the body left to the whole body's read.
                return HeaderRead.Accept(Facts());
            }

            pos = end;
            var entropy = EntropyCodedData(ref pos, markerPos);
            if (entropy is { } stop)
            {
                return stop;
            }

            _pairsFrom = pos; // entropy-coded data holds no FF DA but the marker that ends it
        }
    }

    /// <summary>
    /// Finds the next marker from <paramref name="pos"/> as libjpeg's <c>next_marker</c> does: skips
    /// bytes that are not 0xFF, fill bytes (FF FF) and FF 00 pairs, and counts every byte it skips
    /// as stray. <paramref name="markerPos"/> is the position of the 0xFF right before the marker code.
    /// </summary>
    private bool FindMarker(ref int pos, out byte marker, out int markerPos)
    {
        var data = _data;
        var start = pos;
        while (pos < data.Length)
        {
            var ff = data[pos..].IndexOf((byte)0xFF);
            if (ff < 0)
            {
                break;
            }

            var q = pos + ff + 1;
            while (q < data.Length && data[q] == 0xFF)
            {
                q++;
            }

            if (q >= data.Length)
            {
                break;
            }

            if (data[q] == 0x00)
            {
                pos = q + 1;
                continue;
            }

            marker = data[q];
            markerPos = q - 1;
            if (markerPos > start)
            {
                Drop(start, markerPos);
            }

            pos = markerPos;
            return true;
        }

        marker = 0;
        markerPos = -1;
        pos = data.Length;
        return false;
    }

    private HeaderRead? Frame(byte marker, int markerPos, ReadOnlySpan<byte> payload)
    {
        if (_frame)
        {
            return Corrupt($"The JPEG has a second frame header (SOF{marker - 0xC0} at byte {markerPos}); libjpeg refuses two, ImageSharp fails on it.");
        }

        if (_scans > 0)
        {
            return Corrupt($"The JPEG has a scan before its frame header (SOF{marker - 0xC0} at byte {markerPos}).");
        }

        if (payload.Length < 6)
        {
            return Corrupt($"The JPEG's frame header at byte {markerPos} is {payload.Length + 2} bytes long; the least is 8.");
        }

        var precision = payload[0];
        if (precision == 12)
        {
            return Unsupported("The JPEG has 12-bit samples: libjpeg (as Pillow uses it) does not read them, and ImageSharp rounds them to 8 bits.");
        }

        if (precision != 8)
        {
            return Corrupt($"The JPEG's frame declares {precision}-bit samples; only 8 bits are accepted.");
        }

        _height = BinaryPrimitives.ReadUInt16BigEndian(payload[1..]);
        _width = BinaryPrimitives.ReadUInt16BigEndian(payload[3..]);
        _components = payload[5];
        if (_width == 0 || _height == 0)
        {
            return Corrupt($"The JPEG's frame is {_width}x{_height}; both sides must be at least 1 (a height defined later by DNL is not supported).");
        }

        if (_width > JpegHeader.MaxDimension || _height > JpegHeader.MaxDimension)
        {
            return Corrupt($"The JPEG's frame is {_width}x{_height}; libjpeg reads at most {JpegHeader.MaxDimension} pixels a side.");
        }

        if (_components is not (1 or 3 or 4))
        {
            return Corrupt($"The JPEG's frame has {_components} components; accepted are 1 (gray), 3 (colour) and 4 (CMYK).");
        }

        if (payload.Length != 6 + (3 * _components))
        {
            return Corrupt($"The JPEG's frame header declares {_components} components in {payload.Length + 2} bytes; that needs {8 + (3 * _components)}.");
        }

        for (var i = 0; i < _components; i++)
        {
            var id = payload[6 + (3 * i)];
            var hv = payload[7 + (3 * i)];
            var tq = payload[8 + (3 * i)];
            for (var j = 0; j < i; j++)
            {
                if (_ids[j] == id)
                {
                    return Corrupt($"The JPEG's frame has two components with id {id}; the decoders match scans to components differently.");
                }
            }

            if ((hv >> 4) is < 1 or > 4 || (hv & 0x0F) is < 1 or > 4)
            {
                return Corrupt($"The JPEG's component {id} has sampling factors {hv >> 4}x{hv & 0x0F}; each must be 1 to 4.");
            }

            if (tq > 3)
            {
                return Corrupt($"The JPEG's component {id} uses quantisation table {tq}; tables are numbered 0 to 3.");
            }

            _ids[i] = id;
            _factors[i] = hv;
            _quantTables[i] = tq;
            _maxH = Math.Max(_maxH, hv >> 4);
            _maxV = Math.Max(_maxV, hv & 0x0F);
        }

        for (var i = 0; i < _components; i++)
        {
            if (_maxH % (_factors[i] >> 4) != 0 || _maxV % (_factors[i] & 0x0F) != 0)
            {
                return Corrupt($"The JPEG's sampling factors ({Sampling()}) are not whole multiples of each other; libjpeg refuses fractional subsampling and ImageSharp rounds it.");
            }
        }

        var space = ImageSharpColorSpace();
        if (space is null)
        {
            return Corrupt($"The JPEG's Adobe marker declares colour transform {(byte)_adobeImageSharp} for {_components} components, which ImageSharp cannot decode.");
        }

        _imageSharpColorSpace = space.Value;
        _progressive = marker == Sof2;
        _frame = true;
        return null;
    }

    /// <summary>ImageSharp's <c>DeduceJpegColorSpace</c>, from what it saw before SOF; null where it throws.</summary>
    private readonly JpegColorSpace? ImageSharpColorSpace()
    {
        var adobe = _adobeImageSharp != 0; // AdobeMarker.Equals(default): an all-zero marker counts as none
        var transform = (byte)_adobeImageSharp;
        switch (_components)
        {
            case 1:
                return JpegColorSpace.Grayscale;
            case 3:
                if (adobe)
                {
                    return transform switch
                    {
                        1 => JpegColorSpace.YCbCr,
                        0 => JpegColorSpace.Rgb,
                        _ when _ids[0] == 1 && _ids[1] == 2 && _ids[2] == 3 => JpegColorSpace.YCbCr,
                        _ => null,
                    };
                }

                if (_app0ImageSharp)
                {
                    return JpegColorSpace.YCbCr;
                }

                if (_ids[0] == 'R' && _ids[1] == 'G' && _ids[2] == 'B')
                {
                    return JpegColorSpace.Rgb;
                }

                if (_ids[0] == 1 && _ids[1] == 2 && _ids[2] == 3)
                {
                    return JpegColorSpace.YCbCr;
                }

                return _factors[0] == 0x11 && _factors[1] == 0x11 && _factors[2] == 0x11 ? JpegColorSpace.Rgb : JpegColorSpace.YCbCr;
            default:
                if (adobe)
                {
                    return transform switch
                    {
                        2 => JpegColorSpace.Ycck,
                        0 => JpegColorSpace.Cmyk,
                        _ => null,
                    };
                }

                return JpegColorSpace.Cmyk;
        }
    }

    /// <summary>libjpeg's <c>default_decompress_parms</c>, from what it saw before the first scan.</summary>
    private readonly JpegColorSpace LibjpegColorSpace()
    {
        switch (_components)
        {
            case 1:
                return JpegColorSpace.Grayscale;
            case 3:
                if (_jfifLibjpeg)
                {
                    return JpegColorSpace.YCbCr;
                }

                if (_adobeLibjpeg)
                {
                    return _adobeTransformLibjpeg == 0 ? JpegColorSpace.Rgb : JpegColorSpace.YCbCr;
                }

                return _ids[0] == 'R' && _ids[1] == 'G' && _ids[2] == 'B' ? JpegColorSpace.Rgb : JpegColorSpace.YCbCr;
            default:
                return !_adobeLibjpeg || _adobeTransformLibjpeg == 0 ? JpegColorSpace.Cmyk : JpegColorSpace.Ycck;
        }
    }

    private HeaderRead? HuffmanTables(int markerPos, ReadOnlySpan<byte> payload)
    {
        // libjpeg's get_dht: tables while more than 16 bytes remain, then exactly nothing left.
        // (ImageSharp's loop reads the same tables when they fill the segment exactly.)
        while (payload.Length > 16)
        {
            var spec = payload[0];
            var counts = payload.Slice(1, 16);
            var total = 0;
            foreach (var count in counts)
            {
                total += count;
            }

            if (total > 256 || total > payload.Length - 17)
            {
                return Corrupt($"The JPEG's Huffman table segment at byte {markerPos} declares {total} codes where {payload.Length - 17} bytes remain.");
            }

            var type = spec >> 4;
            var index = spec & 0x0F;
            if (type > 1 || index > 3)
            {
                return Corrupt($"The JPEG's Huffman table segment at byte {markerPos} defines table class {type}, index {index}; classes are 0-1, indices 0-3.");
            }

            // Both decoders refuse a set of code lengths that does not fit a prefix code (every code,
            // plus the reserved all-ones one, within its length).
            long code = 0;
            for (var bits = 1; bits <= 16; bits++)
            {
                code += counts[bits - 1];
                if (code >= 1L << bits)
                {
                    return Corrupt($"The JPEG's Huffman table {type}/{index} at byte {markerPos} has more codes of length {bits} than fit.");
                }

                code <<= 1;
            }

            var values = payload.Slice(17, total);
            var bit = 1 << index;
            if (type == 0)
            {
                _dcDefined |= bit;
                _dcOutOfRange = values.IndexOfAnyInRange((byte)16, (byte)255) >= 0 ? _dcOutOfRange | bit : _dcOutOfRange & ~bit;
            }
            else
            {
                _acDefined |= bit;
            }

            payload = payload[(17 + total)..];
        }

        return payload.IsEmpty
            ? null
            : Corrupt($"The JPEG's Huffman table segment at byte {markerPos} has {payload.Length} bytes left over after its tables.");
    }

    private HeaderRead? QuantisationTables(int markerPos, ReadOnlySpan<byte> payload)
    {
        while (!payload.IsEmpty)
        {
            var precision = payload[0] >> 4;
            var index = payload[0] & 0x0F;
            if (index > 3 || precision > 1)
            {
                return Corrupt($"The JPEG's quantisation table segment at byte {markerPos} defines table {index} with precision {precision}; tables are 0-3, precision 0 (8-bit) or 1 (16-bit).");
            }

            var size = precision == 0 ? 64 : 128;
            if (payload.Length - 1 < size)
            {
                return Corrupt($"The JPEG's quantisation table {index} at byte {markerPos} needs {size} bytes; the segment has {payload.Length - 1} left.");
            }

            // libjpeg keeps the table a component had at its first scan; ImageSharp dequantises with
            // the last one defined. They differ once a scanned component's table is redefined.
            for (var i = 0; i < _components; i++)
            {
                if (_quantTables[i] == index && (_componentsScanned & (1 << i)) != 0)
                {
                    return Corrupt($"The JPEG redefines quantisation table {index} at byte {markerPos}, after a scan of component {_ids[i]} used it; the decoders would dequantise differently.");
                }
            }

            _quantDefined |= 1 << index;
            payload = payload[(1 + size)..];
        }

        return null;
    }

    private HeaderRead? RestartInterval(int markerPos, ReadOnlySpan<byte> payload)
    {
        if (payload.Length != 2)
        {
            return Corrupt($"The JPEG's restart interval segment at byte {markerPos} is {payload.Length + 2} bytes long; it must be 4.");
        }

        _restartInterval = BinaryPrimitives.ReadUInt16BigEndian(payload);
        _imageSharpRestartCountdown = _restartInterval;
        return null;
    }

    private HeaderRead? App0Segment(ReadOnlySpan<byte> payload)
    {
        if (!_frame)
        {
            _app0ImageSharp = true; // ImageSharp takes any APP0 as JFIF
        }

        if (_scans == 0 && payload.Length >= 14 && payload.StartsWith("JFIF\0"u8))
        {
            _jfifLibjpeg = true;
        }

        return null;
    }

    private HeaderRead? App14Segment(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 12)
        {
            return null; // both skip it
        }

        var adobe = payload.StartsWith("Adobe"u8);
        if (!_frame)
        {
            // ImageSharp parses every APP14 of 12 bytes or more and keeps the last: a non-Adobe one clears it.
            _adobeImageSharp = adobe
                ? ((ulong)BinaryPrimitives.ReadUInt16BigEndian(payload[5..]) << 40)
                    | ((ulong)BinaryPrimitives.ReadUInt16BigEndian(payload[7..]) << 24)
                    | ((ulong)BinaryPrimitives.ReadUInt16BigEndian(payload[9..]) << 8)
                    | payload[11]
                : 0;
        }

        if (_scans == 0 && adobe)
        {
            _adobeLibjpeg = true;
            _adobeTransformLibjpeg = payload[11];
        }

        return null;
    }

    private HeaderRead? Scan(int markerPos, ReadOnlySpan<byte> payload)
    {
        if (!_frame)
        {
            return Corrupt($"The JPEG has a scan (SOS at byte {markerPos}) before its frame header.");
        }

        var n = payload.Length > 0 ? payload[0] : 0;
        if (n < 1 || n > 4 || n > _components || payload.Length != 4 + (2 * n))
        {
            return Corrupt($"The JPEG's scan header at byte {markerPos} declares {n} components in {payload.Length + 2} bytes; the frame has {_components}.");
        }

        if (_scans >= 1 && !_progressive && _firstScanComponents == _components)
        {
            return Corrupt($"The JPEG has a second scan (byte {markerPos}) after a baseline scan that held every component; libjpeg refuses it.");
        }

        if (!_progressive && n > 1 && n != _components)
        {
            // ImageSharp converts an interleaved baseline scan to pixels row by row as it goes and
            // clears the coefficients behind it, so components from other scans would be lost.
            return Corrupt($"The JPEG's baseline scan at byte {markerPos} interleaves {n} of its {_components} components; ImageSharp decodes only scans of one component or of all of them correctly.");
        }

        var ss = payload[1 + (2 * n)];
        var se = payload[2 + (2 * n)];
        var ah = payload[3 + (2 * n)] >> 4;
        var al = payload[3 + (2 * n)] & 0x0F;
        if (_progressive)
        {
            // ImageSharp's CheckProgressiveData, adapted from libjpeg: both refuse the same parameters.
            var bad = ss == 0 ? se != 0 : se < ss || se > 63 || n != 1;
            bad |= ah != 0 && ah - 1 != al;
            bad |= al > 13;
            if (bad)
            {
                return Corrupt($"The JPEG's progressive scan at byte {markerPos} has invalid parameters (Ss {ss}, Se {se}, Ah {ah}, Al {al}).");
            }
        }

        if (_restartInterval > 0 && _imageSharpRestartCountdown != _restartInterval)
        {
            return Corrupt($"The JPEG's restart interval ({_restartInterval} MCUs) does not divide its previous scan, and no DRI segment restarts it before the scan at byte {markerPos}: ImageSharp carries the count into this scan, libjpeg starts it again.");
        }

        var inScan = 0;
        var blocks = 0;
        var single = 0;
        for (var i = 0; i < n; i++)
        {
            var id = payload[1 + (2 * i)];
            var tables = payload[2 + (2 * i)];
            var component = -1;
            for (var c = 0; c < _components; c++)
            {
                if (_ids[c] == id)
                {
                    component = c;
                }
            }

            if (component < 0 || (inScan & (1 << component)) != 0)
            {
                return Corrupt($"The JPEG's scan at byte {markerPos} names component {id} {(component < 0 ? "that the frame does not have" : "twice")}.");
            }

            inScan |= 1 << component;
            single = component;
            blocks += (_factors[component] >> 4) * (_factors[component] & 0x0F);
            var dc = tables >> 4;
            var ac = tables & 0x0F;
            var needDc = !_progressive || (ss == 0 && ah == 0);
            var needAc = !_progressive || ss != 0;
            if (needDc && (dc > 3 || (_dcDefined & (1 << dc)) == 0))
            {
                return Corrupt($"The JPEG's scan at byte {markerPos} uses DC Huffman table {dc}, which no DHT segment before it defines (libjpeg would substitute the standard table or fail, ImageSharp would decode garbage).");
            }

            if (needDc && (_dcOutOfRange & (1 << dc)) != 0)
            {
                return Corrupt($"The JPEG's DC Huffman table {dc} has symbols above 15, which libjpeg refuses.");
            }

            if (needAc && (ac > 3 || (_acDefined & (1 << ac)) == 0))
            {
                return Corrupt($"The JPEG's scan at byte {markerPos} uses AC Huffman table {ac}, which no DHT segment before it defines (libjpeg would substitute the standard table or fail, ImageSharp would decode garbage).");
            }

            if ((_componentsScanned & (1 << component)) == 0 && (_quantDefined & (1 << _quantTables[component])) == 0)
            {
                return Corrupt($"The JPEG's component {id} uses quantisation table {_quantTables[component]}, which is not defined before its first scan.");
            }
        }

        if (n > 1 && blocks > 10)
        {
            return Corrupt($"The JPEG's scan at byte {markerPos} has {blocks} blocks in each MCU; libjpeg allows at most 10.");
        }

        if (_scans == 0)
        {
            _firstScanComponents = n;
            _colorSpace = LibjpegColorSpace();
            if (_colorSpace != _imageSharpColorSpace)
            {
                return Corrupt($"The decoders disagree on the JPEG's colour space: ImageSharp would read its components as {_imageSharpColorSpace}, libjpeg as {_colorSpace} ({ColorEvidence()}).");
            }
        }

        _scanUnits = ScanUnits(n, single);
        _componentsScanned |= inScan;
        _scans++;
        return null;
    }

    /// <summary>
    /// Walks a scan's entropy-coded data from <paramref name="pos"/> to the next marker that is not a
    /// restart marker (both decoders end the scan there), checking the restart markers inside it.
    /// Leaves <paramref name="pos"/> at the 0xFF of that marker.
    /// </summary>
    private HeaderRead? EntropyCodedData(ref int pos, int sosPos)
    {
        var data = _data;
        var restarts = 0;
        while (true)
        {
            var last = NextMarker(data, pos);
            if (last < 0)
            {
                pos = data.Length;
                _pairsFrom = pos;
                return EndOfData();
            }

            var q = last + 1;
            var first = last;
            while (first > pos && data[first - 1] == 0xFF)
            {
                first--;
            }

            var code = data[q];
            if (code is >= Rst0 and <= Rst7)
            {
                if (_restartInterval == 0)
                {
                    return Corrupt($"The JPEG's scan at byte {sosPos} has a restart marker (byte {q - 1}) but no restart interval; the decoders would resume differently.");
                }

                if (code != Rst0 + (restarts & 7))
                {
                    return Corrupt($"The JPEG's scan at byte {sosPos} has restart marker RST{code - Rst0} where RST{restarts & 7} belongs (byte {q - 1}).");
                }

                restarts++;
                pos = q + 1;
                continue;
            }

            var expected = _restartInterval == 0 ? 0 : ((_scanUnits + _restartInterval - 1) / _restartInterval) - 1;
            if (restarts != expected)
            {
                return Corrupt($"The JPEG's scan at byte {sosPos} has {restarts} restart markers where its {_scanUnits} MCUs in intervals of {_restartInterval} make {expected}; the decoders would resynchronise differently.");
            }

            if (_restartInterval > 0)
            {
                var left = _scanUnits % _restartInterval;
                _imageSharpRestartCountdown = left == 0 ? _restartInterval : _restartInterval - left;
            }

            // Fill bytes before the marker: ImageSharp and libjpeg both skip them; drop them anyway
            // so the normalised body has exactly one 0xFF before each marker.
            if (q - 1 > first)
            {
                Drop(first, q - 1);
            }

            pos = q - 1;
            return null;
        }
    }

    /// <summary>
    /// The position of the 0xFF that starts the next marker in entropy-coded data (an 0xFF followed
    /// by a byte other than 00, a stuffed byte, or FF, a fill byte), or -1 when the data ends first.
    /// Compares a vector of bytes at a time, since entropy-coded data is most of a JPEG;
    /// <see cref="NextMarkerScalar"/> is the reference it is tested against, and reads the tail.
    /// </summary>
    internal static int NextMarker(ReadOnlySpan<byte> data, int from)
    {
        var i = from;
        if (Vector.IsHardwareAccelerated)
        {
            var ff = new Vector<byte>(0xFF);
            while (i + Vector<byte>.Count + 1 <= data.Length)
            {
                var here = new Vector<byte>(data[i..]);
                var next = new Vector<byte>(data[(i + 1)..]);
                var found = Vector.Equals(here, ff) & ~(Vector.Equals(next, Vector<byte>.Zero) | Vector.Equals(next, ff));
                if (found != Vector<byte>.Zero)
                {
                    for (var j = 0; j < Vector<byte>.Count; j++)
                    {
                        if (found[j] != 0)
                        {
                            return i + j;
                        }
                    }
                }

                i += Vector<byte>.Count;
            }
        }

        return NextMarkerScalar(data, i);
    }

    /// <summary><see cref="NextMarker"/> a byte at a time.</summary>
    internal static int NextMarkerScalar(ReadOnlySpan<byte> data, int from)
    {
        for (var i = from; i + 1 < data.Length; i++)
        {
            if (data[i] == 0xFF && data[i + 1] is not 0x00 and not 0xFF)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// The units (MCUs) of a scan: whole MCUs of every component when interleaved; for a scan of
    /// one component, that component's blocks (libjpeg's <c>width_in_blocks</c> x <c>height_in_blocks</c>).
    /// </summary>
    private readonly long ScanUnits(int scanComponents, int component)
    {
        if (scanComponents > 1)
        {
            return ((_width + (8L * _maxH) - 1) / (8L * _maxH)) * ((_height + (8L * _maxV) - 1) / (8L * _maxV));
        }

        var h = _factors[component] >> 4;
        var v = _factors[component] & 0x0F;
        return (((long)_width * h) + (8L * _maxH) - 1) / (8L * _maxH) * ((((long)_height * v) + (8L * _maxV) - 1) / (8L * _maxV));
    }

    private HeaderRead EndOfData()
    {
        if (_complete && CountScanMarkers(_data.Length) is { } tooMany)
        {
            return tooMany;
        }

        if (_complete)
        {
            return !_frame
                ? Truncated("before its frame header")
                : _scans == 0
                    ? Truncated("before its first scan")
                    : Truncated("without an end-of-image marker after its scan data");
        }

        return _frame ? HeaderRead.Accept(Facts()) : HeaderRead.NeedMoreData;
    }

    private HeaderRead Accept()
    {
        if (CountScanMarkers(_data.Length) is { } tooMany)
        {
            return tooMany;
        }

        Flush(_keepFrom, _data.Length);
        return HeaderRead.Accept(Facts());
    }

    private readonly JpegFacts Facts()
    {
        Span<byte> factors = stackalloc byte[4];
        for (var i = 0; i < _components; i++)
        {
            factors[i] = _factors[i];
        }

        var keepsAll = _progressive || _scans == 0 || _firstScanComponents != _components;
        return new JpegFacts(
            _width,
            _height,
            _progressive,
            JpegSampling.FromFrameHeaderBytes(factors[.._components]),
            _scans == 0 ? _imageSharpColorSpace : _colorSpace,
            keepsAll,
            _scans,
            _scanMarkers,
            _stray);
    }

    /// <summary>
    /// Counts the FF DA pairs whose FF lies before <paramref name="to"/> and was not counted yet, and
    /// refuses the image once they pass <see cref="JpegHeader.MaxScans"/>. With entropy-coded data
    /// skipped (it holds no FF DA but the marker that ends it), the bytes are searched once.
    /// </summary>
    private HeaderRead? CountScanMarkers(int to)
    {
        var data = _data;
        var i = _pairsFrom;
        while (i < to)
        {
            var ff = data[i..to].IndexOf((byte)0xFF);
            if (ff < 0)
            {
                break;
            }

            i += ff + 1;
            if (i < data.Length && data[i] == Sos)
            {
                _scanMarkers++;
            }
        }

        _pairsFrom = Math.Max(_pairsFrom, to);
        return _scanMarkers > JpegHeader.MaxScans
            ? HeaderRead.Refuse(
                ProblemTypes.ImageTooComplex,
                $"The JPEG holds {_scanMarkers} start-of-scan markers (FF DA); the limit is {JpegHeader.MaxScans}. ImageSharp decodes a scan, one pass over the image, at every one its marker search meets.")
            : null;
    }

    private readonly string ColorEvidence()
    {
        var ids = _components == 3 ? $"component ids {_ids[0]},{_ids[1]},{_ids[2]}" : $"{_components} components";
        var jfif = _jfifLibjpeg ? "a JFIF marker" : _app0ImageSharp ? "an APP0 marker that is not JFIF" : "no JFIF marker";
        var adobe = _adobeLibjpeg ? $"Adobe transform {_adobeTransformLibjpeg}" : "no Adobe marker";
        return $"{ids}, sampling {Sampling()}, {jfif}, {adobe}";
    }

    private readonly string Sampling()
    {
        var parts = new string[_components];
        for (var i = 0; i < _components; i++)
        {
            parts[i] = $"{_factors[i] >> 4}x{_factors[i] & 0x0F}";
        }

        return string.Join(',', parts);
    }

    private static string Process(byte marker) => marker switch
    {
        0xC3 => "lossless",
        0xC5 => "differential sequential (hierarchical)",
        0xC6 => "differential progressive (hierarchical)",
        _ => "differential lossless (hierarchical)",
    };

    /// <summary>Marks the bytes in [<paramref name="from"/>, <paramref name="to"/>) as stray: the normalised body leaves them out.</summary>
    private void Drop(int from, int to)
    {
        Flush(_keepFrom, from);
        _keepFrom = to;
        _stray += to - from;
    }

    /// <summary>Keeps everything up to <paramref name="to"/> and nothing after it (the end of the image).</summary>
    private void Keep(int to)
    {
        Flush(_keepFrom, to);
        _keepFrom = _data.Length;
    }

    private void Flush(int from, int to)
    {
        if (_output.IsEmpty || to <= from)
        {
            return;
        }

        _data[from..to].CopyTo(_output[_written..]);
        _written += to - from;
        _keepFrom = to;
    }

    private readonly HeaderRead Truncated(string where) =>
        HeaderRead.Corrupt($"The JPEG is truncated: the body ends after {_data.Length} bytes, {where}.");

    private static HeaderRead Corrupt(string detail) => HeaderRead.Corrupt(detail);

    private static HeaderRead Unsupported(string detail) => HeaderRead.Refuse(ProblemTypes.UnsupportedFormat, detail);

    [InlineArray(4)]
    private struct Quad
    {
        private byte _element;
    }
}
