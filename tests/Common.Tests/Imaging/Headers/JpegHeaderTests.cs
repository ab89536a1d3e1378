using ImageGateway.Common.Imaging.Headers;
using ImageGateway.Common.Problems;
using ImageGateway.TestSupport;
using Xunit.Abstractions;

namespace ImageGateway.Common.Tests.Imaging.Headers;

/// <summary>
/// The JPEG header model against its two independent judges: what ImageSharp 2.1.13 really decodes
/// (size, white pixels, allocator peak) and what Pillow/libjpeg reads. Inputs are written by hand
/// (<see cref="CraftedJpeg"/>: flat blocks, white count known by construction) or taken from the corpus.
/// </summary>
public sealed class JpegHeaderTests(ITestOutputHelper output) : HeaderReaderTests<JpegFacts>(output)
{
    protected override long CountTolerance(JpegFacts facts) => CorpusExpectations.LossyTolerance(facts.Pixels);

    private static readonly JpegComponentSpec[] Ycc420 = [new(1, 2, 2), new(2, 1, 1), new(3, 1, 1)];
    private static readonly JpegComponentSpec[] Ycc444 = [new(1, 1, 1), new(2, 1, 1), new(3, 1, 1)];

    public static TheoryData<string> CorpusJpegs() => new(CorpusManifest.Paths(i => i.Extension is "jpg" or "jpeg"));

    [Theory]
    [MemberData(nameof(CorpusJpegs))]
    public void Read_CorpusJpeg_AcceptedAsPillowReadsItOrRefusedForADocumentedReason(string path)
    {
        var image = CorpusManifest.Get(path);
        var bytes = File.ReadAllBytes(image.FullPath);
        var read = JpegHeader.Read(bytes, complete: true, bytes.Length);
        Output.WriteLine($"{path}: {read.Outcome} {read.Facts} {read.Detail}");

        // Refused on purpose: Pillow does not read them (12-bit, truncated) or ImageSharp does not (arithmetic).
        var refusals = new Dictionary<string, ProblemType>
        {
            ["libjpeg-turbo/monkey12.jpg"] = ProblemTypes.UnsupportedFormat,
            ["libjpeg-turbo/testimgari.jpg"] = ProblemTypes.UnsupportedFormat,
            ["pillow/truncated_jpeg.jpg"] = ProblemTypes.CorruptImage,
        };
        if (refusals.TryGetValue(path, out var problem))
        {
            Assert.Equal(HeaderOutcome.Refused, read.Outcome);
            Assert.Equal(problem, read.Problem);
            return;
        }

        Assert.True(image.Decodable, "every other corpus JPEG is one Pillow reads");
        // The manifest's counts are Pillow's (9.4, the same build), made by tests/corpus/make_manifest.py.
        var pillow = new PillowResult(image.Width!.Value, image.Height!.Value, image.PillowWhite!.Value, null);
        AssertCountsAsPillowDoes(bytes, read, pillow.White, pillow.Width, pillow.Height, pillow);
    }

    [Fact]
    public void Read_ProgressiveFrameHiddenInJpgSegment_Refused()
    {
        var hidden = HiddenProgressiveImage();
        var visible = JpegParts.Split(CraftedJpeg.Build(new JpegSpec(16, 16) { Jfif = false }).Bytes);
        var jpg0 = CraftedJpeg.Segment(0xF0, hidden);
        var bytes = JpegParts.Join([visible[0], CraftedJpeg.JfifSegment, jpg0, .. visible.Skip(1)]);

        var read = JpegHeader.Read(bytes, complete: true, bytes.Length);

        AssertRefused(read, ProblemTypes.CorruptImage, "JPG0");
        var raw = DecodeCheck.Decode(bytes);
        Assert.Equal((1024, 1024), (raw.Width, raw.Height)); // ImageSharp steps into the segment and decodes the hidden frame
        Assert.True(Pillow.Read(bytes).Refused); // libjpeg refuses JPGn
    }

    [Theory]
    [InlineData(0xF1)]
    [InlineData(0xFD)]
    public void Read_AnyJpgnSegment_Refused(int marker)
    {
        var parts = JpegParts.Split(CraftedJpeg.Build(new JpegSpec(16, 16)).Bytes);
        parts.Insert(2, CraftedJpeg.Segment((byte)marker, [1, 2, 3, 4]));
        var bytes = JpegParts.Join(parts);

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, $"JPG{marker - 0xF0}");
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Fact]
    public void Read_RestartMarkerBeforeFrameHidingAnotherFrame_CountsTheFrameLibjpegReads()
    {
        // RST0, then "00 10" that ImageSharp takes for RST0's length and a byte that puts ImageSharp's
        // two-byte marker search in step with the hidden image inside the comment; libjpeg skips
        // RST0 and the three bytes, then skips the comment by its length.
        var (visibleBytes, visibleWhite) = CraftedJpeg.Build(new JpegSpec(40, 24) { Jfif = false });
        var visible = JpegParts.Split(visibleBytes);
        var comment = CraftedJpeg.Segment(0xFE, [0x00, .. HiddenProgressiveImage()]);
        var bytes = JpegParts.Join([visible[0], CraftedJpeg.JfifSegment, [0xFF, 0xD0, 0x00, 0x10, 0x01], comment, .. visible.Skip(1)]);

        var read = JpegHeader.Read(bytes, complete: true, bytes.Length);

        var facts = Assert.IsType<JpegFacts>(read.Facts);
        Assert.Equal(5, facts.StrayBytes);
        var raw = DecodeCheck.Decode(bytes);
        Assert.Equal((1024, 1024), (raw.Width, raw.Height)); // what ImageSharp reads unnormalised
        AssertCountsAsPillowDoes(bytes, read, visibleWhite, 40, 24);
    }

    [Fact]
    public void Read_TwoFrameHeaders_Refused()
    {
        var parts = JpegParts.Split(CraftedJpeg.Build(new JpegSpec(32, 32)).Bytes);
        var sof = parts[JpegParts.IndexOf(parts, 0xC0)];
        parts.Insert(JpegParts.IndexOf(parts, 0xDA), sof);
        var bytes = JpegParts.Join(parts);

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "second frame header");
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Fact]
    public void Read_FirstMarkerAfterSoiWithoutFF_Refused()
    {
        var bytes = CraftedJpeg.Build(new JpegSpec(32, 32)).Bytes;
        bytes[2] = 0x00; // "00 E0": ImageSharp reads APP0 anyway, libjpeg would skip to the next FF, Pillow refuses

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "not a marker");
        Assert.True(Pillow.Read(bytes).Refused);
    }

    public static TheoryData<string, byte[], byte> StrayBytes() => new()
    {
        { "two zero bytes", [0x00, 0x00], 0xDB },
        { "three bytes", [0x12, 0x34, 0x56], 0xDB },
        { "five bytes (pillow/junk_jpeg_header.jpg)", "hello"u8.ToArray(), 0xC0 },
        { "FF 00 pair", [0xFF, 0x00], 0xC4 },
        { "odd bytes and FF 00", [0x01, 0xFF, 0x00, 0x02, 0xFF, 0x00, 0x03], 0xDA },
        { "fill bytes", [0xFF, 0xFF, 0xFF], 0xC0 },
        { "restart marker", [0xFF, 0xD3], 0xC4 },
        { "DNL segment", [0xFF, 0xDC, 0x00, 0x04, 0x00, 0x18], 0xDA },
    };

    [Theory]
    [MemberData(nameof(StrayBytes))]
    public void Read_BytesLibjpegSkipsBetweenSegments_CountedAsLibjpegReadsThem(string what, byte[] stray, byte before)
    {
        var (clean, white) = CraftedJpeg.Build(new JpegSpec(61, 47) { Components = Ycc420 });
        var parts = JpegParts.Split(clean);
        parts.Insert(JpegParts.IndexOf(parts, before), stray);
        var bytes = JpegParts.Join(parts);

        var read = JpegHeader.Read(bytes, complete: true, bytes.Length);

        Output.WriteLine(what);
        Assert.Equal(stray.Length, Assert.IsType<JpegFacts>(read.Facts).StrayBytes);
        AssertCountsAsPillowDoes(bytes, read, white, 61, 47);
        Assert.Equal(clean, JpegNormaliser.Normalise(bytes, (JpegFacts)read.Facts!).ToArray());
    }

    [Fact]
    public void Read_FillBytesAfterSoiAndBeforeEveryMarker_CountedAsLibjpegReadsThem()
    {
        var (clean, white) = CraftedJpeg.Build(new JpegSpec(61, 47) { Components = Ycc420, Progressive = true });
        var parts = JpegParts.Split(clean);
        var bytes = JpegParts.Join(parts.SelectMany((p, i) => i == 0 ? [p] : new[] { new byte[] { 0xFF, 0xFF }, p }));

        var read = JpegHeader.Read(bytes, complete: true, bytes.Length);

        Assert.True(Assert.IsType<JpegFacts>(read.Facts).NeedsNormalising);
        AssertCountsAsPillowDoes(bytes, read, white, 61, 47);
    }

    [Fact]
    public void Read_NonInterleavedBaseline_KeepsEveryCoefficientAndCountsRight()
    {
        var spec = new JpegSpec(1000, 750) { Components = Ycc420, NonInterleaved = true };
        var (bytes, white) = CraftedJpeg.Build(spec);
        var interleaved = CraftedJpeg.Build(spec with { NonInterleaved = false }).Bytes;

        var read = JpegHeader.Read(bytes, complete: true, bytes.Length);

        var facts = Assert.IsType<JpegFacts>(read.Facts);
        Assert.True(facts.KeepsAllCoefficients);
        Assert.Equal(3, facts.Scans);
        var baseline = (JpegFacts)JpegHeader.Read(interleaved, complete: true, interleaved.Length).Facts!;
        Assert.False(baseline.KeepsAllCoefficients);

        // What the old estimate (a baseline frame keeps one MCU row) would have reserved is not enough.
        var decoded = DecodeCheck.Decode(bytes);
        Assert.True(decoded.AllocatorPeak > DecodeCheck.Reservation(facts with { KeepsAllCoefficients = false }, bytes.Length));
        AssertCountsAsPillowDoes(bytes, read, white, 1000, 750);
    }

    [Fact]
    public void Read_BaselineScanInterleavingSomeComponents_Refused()
    {
        // First scan Y alone, then Cb and Cr interleaved: ImageSharp converts (and clears) the
        // coefficients while decoding the interleaved scan, libjpeg keeps them.
        var parts = JpegParts.Split(CraftedJpeg.Build(new JpegSpec(32, 32) { Components = Ycc444 }).Bytes);
        var sos = JpegParts.IndexOf(parts, 0xDA);
        parts[sos] = [0xFF, 0xDA, 0x00, 0x0A, 0x02, 0x02, 0x00, 0x03, 0x00, 0x00, 0x3F, 0x00, 0x00];
        parts.Insert(sos, [0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x00]);
        var bytes = JpegParts.Join(parts);

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "interleaves 2 of its 3");
    }

    [Fact]
    public void Read_SecondScanAfterSingleBaselineScan_Refused()
    {
        var parts = JpegParts.Split(CraftedJpeg.Build(new JpegSpec(32, 32)).Bytes);
        parts.Insert(parts.Count - 1, parts[JpegParts.IndexOf(parts, 0xDA)]);
        var bytes = JpegParts.Join(parts);

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "second scan");
        Assert.True(Pillow.Read(bytes).Refused);
    }

    public static TheoryData<string, byte[][], bool, bool> ColourSpaceCases() => new()
    {
        // name, component ids + sampling (as id, hv), JFIF, accepted
        { "ids 0,1,2 at 4:4:4, no JFIF or Adobe: ImageSharp RGB, libjpeg YCbCr", [[0, 0x11], [1, 0x11], [2, 0x11]], false, false },
        { "ids 0,1,2 at 4:2:0, no JFIF or Adobe: both YCbCr", [[0, 0x22], [1, 0x11], [2, 0x11]], false, true },
        { "ids 1,2,3 at 4:4:4, no JFIF or Adobe: both YCbCr", [[1, 0x11], [2, 0x11], [3, 0x11]], false, true },
        { "ids 0,1,2 at 4:4:4 with JFIF: both YCbCr", [[0, 0x11], [1, 0x11], [2, 0x11]], true, true },
    };

    [Theory]
    [MemberData(nameof(ColourSpaceCases))]
    public void Read_ComponentIdsThatDecideTheColourSpace_AcceptedOnlyWhereTheDecodersAgree(string name, byte[][] components, bool jfif, bool accepted)
    {
        var spec = new JpegSpec(48, 40) { Components = components.Select(c => new JpegComponentSpec(c[0], c[1] >> 4, c[1] & 0x0F)).ToArray(), Jfif = jfif };
        var (bytes, white) = CraftedJpeg.Build(spec);

        Output.WriteLine(name);
        AssertColourSpaceVerdict(bytes, white, accepted);
    }

    public static TheoryData<string, int, bool> MarkerColourSpaceCases() => new()
    {
        // name, case number (built below), accepted
        { "JFIF and Adobe transform 0, ids 1,2,3: ImageSharp RGB (Adobe first), libjpeg YCbCr (JFIF first)", 0, false },
        { "Adobe transform 2, ids 1,2,3, no JFIF: both YCbCr", 1, true },
        { "Adobe transform 2, ids 4,5,6, no JFIF: ImageSharp fails, libjpeg YCbCr", 2, false },
        { "APP0 that is not JFIF, ids 0,1,2 at 4:4:4: both YCbCr", 3, true },
        { "JFIF after the frame header, ids 0,1,2 at 4:4:4: ImageSharp RGB (decided at SOF), libjpeg YCbCr", 4, false },
        { "all-zero Adobe marker, ids 1,2,3, no JFIF: ImageSharp ignores it (YCbCr), libjpeg RGB", 5, false },
        { "CMYK without Adobe: both CMYK", 6, true },
        { "CMYK with Adobe transform 2: both YCCK", 7, true },
        { "CMYK with Adobe transform 1: ImageSharp fails, libjpeg YCCK", 8, false },
        { "ids R,G,B at 4:4:4, no markers: both RGB", 9, true },
    };

    [Theory]
    [MemberData(nameof(MarkerColourSpaceCases))]
    public void Read_MarkersThatDecideTheColourSpace_AcceptedOnlyWhereTheDecodersAgree(string name, int number, bool accepted)
    {
        JpegComponentSpec[] ids012 = [new(0, 1, 1), new(1, 1, 1), new(2, 1, 1)];
        JpegComponentSpec[] cmyk = [new(1, 1, 1), new(2, 1, 1), new(3, 1, 1), new(4, 1, 1)];
        var plain = new JpegSpec(48, 40) { Components = Ycc444, Jfif = false };
        var (bytes, white) = number switch
        {
            0 => CraftedJpeg.Build(plain with { Jfif = true, AdobeTransform = 0 }),
            1 => CraftedJpeg.Build(plain with { AdobeTransform = 2 }),
            2 => CraftedJpeg.Build(plain with { Components = [new(4, 1, 1), new(5, 1, 1), new(6, 1, 1)], AdobeTransform = 2 }),
            3 => WithSegment(plain with { Components = ids012 }, [0xFF, 0xE0, 0x00, 0x08, (byte)'J', (byte)'F', (byte)'X', (byte)'X', 0x00, 0x10], before: 0xDB),
            4 => WithSegment(plain with { Components = ids012 }, CraftedJpeg.JfifSegment, before: 0xC4),
            5 => WithSegment(plain, [0xFF, 0xEE, 0x00, 0x0E, (byte)'A', (byte)'d', (byte)'o', (byte)'b', (byte)'e', 0, 0, 0, 0, 0, 0, 0], before: 0xDB),
            6 => CraftedJpeg.Build(plain with { Components = cmyk, SameValueInEveryComponent = true }),
            7 => CraftedJpeg.Build(plain with { Components = cmyk, AdobeTransform = 2 }),
            8 => CraftedJpeg.Build(plain with { Components = cmyk, AdobeTransform = 1 }),
            _ => CraftedJpeg.Build(plain with { Components = [new((byte)'R', 1, 1), new((byte)'G', 1, 1), new((byte)'B', 1, 1)], SameValueInEveryComponent = true }),
        };

        Output.WriteLine(name);
        AssertColourSpaceVerdict(bytes, number == 7 ? -1 : white, accepted);
    }

    [Fact]
    public void Read_ProgressiveScans_DecodePassesCountThem()
    {
        var (bytes, white) = CraftedJpeg.Build(new JpegSpec(61, 47) { Components = Ycc420, Progressive = true, EmptyAcScans = 3 });

        var read = JpegHeader.Read(bytes, complete: true, bytes.Length);

        var facts = Assert.IsType<JpegFacts>(read.Facts);
        Assert.Equal(1 + (3 * 3), facts.Scans);
        Assert.Equal(10, facts.DecodePasses);
        Assert.True(facts.Progressive);
        Assert.True(facts.KeepsAllCoefficients);
        AssertCountsAsPillowDoes(bytes, read, white, 61, 47);
    }

    [Fact]
    public void Read_ProgressiveScansAtTheLimit_Accepted()
    {
        var (bytes, _) = CraftedJpeg.Build(new JpegSpec(16, 16) { Progressive = true, EmptyAcScans = JpegHeader.MaxScans - 1 });

        var facts = Assert.IsType<JpegFacts>(JpegHeader.Read(bytes, complete: true, bytes.Length).Facts);

        Assert.Equal(JpegHeader.MaxScans, facts.DecodePasses);
    }

    [Fact]
    public void Read_ProgressiveScansOverTheLimit_RefusedAsTooComplex()
    {
        var (bytes, _) = CraftedJpeg.Build(new JpegSpec(16, 16) { Progressive = true, EmptyAcScans = JpegHeader.MaxScans });

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.ImageTooComplex, $"{JpegHeader.MaxScans + 1}");
    }

    [Fact]
    public void Read_ScanMarkersHiddenInAComment_CountTowardTheLimit()
    {
        // ImageSharp's marker search can land inside a segment and decode every FF DA it meets there.
        var payload = Enumerable.Repeat<byte[]>([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00], JpegHeader.MaxScans).SelectMany(b => b).ToArray();
        var bytes = WithSegment(new JpegSpec(16, 16), CraftedJpeg.Segment(0xFE, payload), before: 0xDB).Bytes;

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.ImageTooComplex, "start-of-scan");
    }

    [Fact]
    public void Read_EveryCutOfAValidJpeg_RefusedWhenCompleteAndNeverWhenAPrefix()
    {
        var (bytes, _) = CraftedJpeg.Build(new JpegSpec(40, 24) { Components = Ycc420, Progressive = true });
        var sofEnd = JpegParts.Split(bytes).TakeWhile(p => p[1] != 0xC2).Sum(p => p.Length) + 19;

        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var prefix = bytes.AsSpan(0, cut);
            var asBody = JpegHeader.Read(prefix, complete: true, cut);
            var asPrefix = JpegHeader.Read(prefix, complete: false, bytes.Length);
            Assert.True(asBody.Outcome == HeaderOutcome.Refused, $"cut at {cut}: {asBody.Outcome}");
            Assert.Equal(ProblemTypes.CorruptImage, asBody.Problem);
            if (cut < sofEnd)
            {
                Assert.True(asPrefix.Outcome == HeaderOutcome.NeedMoreData, $"prefix of {cut}: {asPrefix.Outcome} {asPrefix.Detail}");
            }
            else
            {
                Assert.True(asPrefix.Outcome == HeaderOutcome.Accepted, $"prefix of {cut}: {asPrefix.Outcome} {asPrefix.Detail}");
                Assert.Equal((40, 24), (asPrefix.Facts!.Width, asPrefix.Facts.Height));
            }
        }
    }

    [Fact]
    public void Read_PrefixEndingBeforeTheFirstScan_AssumesEveryCoefficientIsKept()
    {
        var bytes = CraftedJpeg.Build(new JpegSpec(2000, 1500) { Components = Ycc420, IsWhite = (_, _) => false }).Bytes;
        var sos = JpegParts.Split(bytes).TakeWhile(p => p[1] != 0xDA).Sum(p => p.Length);

        var prefix = (JpegFacts)JpegHeader.Read(bytes.AsSpan(0, sos), complete: false, bytes.Length).Facts!;
        var whole = (JpegFacts)JpegHeader.Read(bytes, complete: true, bytes.Length).Facts!;

        Assert.True(prefix.KeepsAllCoefficients);
        Assert.False(whole.KeepsAllCoefficients);
        Assert.True(prefix.DecoderBytes(bytes.Length) > whole.DecoderBytes(bytes.Length));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_PrefixOfAJpeg_ReadToItsFirstScanHeaderOnly(bool progressive)
    {
        // The whole body's read refuses what lies after the first scan (a JPG3 segment before EOI);
        // a prefix's read (the gateway's) stops at the first scan header, with the same cost.
        var spec = new JpegSpec(640, 480) { Components = Ycc420, Progressive = progressive };
        var valid = CraftedJpeg.Build(spec).Bytes;
        var (bytes, _) = WithSegment(spec, CraftedJpeg.Segment(0xF3, [1, 2, 3]), before: 0xD9);

        var asPrefix = Assert.IsType<JpegFacts>(JpegHeader.Read(bytes, complete: false, bytes.Length).Facts);
        var validWhole = Assert.IsType<JpegFacts>(JpegHeader.Read(valid, complete: true, valid.Length).Facts);

        Assert.Equal(1, asPrefix.Scans);
        Assert.Equal(1, asPrefix.DecodePasses);
        Assert.Equal(validWhole.DecoderBytes(valid.Length), asPrefix.DecoderBytes(valid.Length));
        Assert.Equal(validWhole with { Scans = 1, ScanMarkers = 0 }, asPrefix);
        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "JPG3");
    }

    [Fact]
    public void Read_SegmentRunningPastTheDeclaredBodyLength_Refused()
    {
        var bytes = CraftedJpeg.Build(new JpegSpec(16, 16)).Bytes;

        AssertRefused(JpegHeader.Read(bytes.AsSpan(0, 30), complete: false, bodyLength: 30), ProblemTypes.CorruptImage, "past the end");
    }

    [Fact]
    public void Read_RestartIntervalWithMatchingMarkers_CountedLikePillow()
    {
        var (bytes, white) = CraftedJpeg.Build(new JpegSpec(61, 47) { Components = Ycc420, RestartInterval = 3 });

        AssertCountsAsPillowDoes(bytes, JpegHeader.Read(bytes, complete: true, bytes.Length), white, 61, 47);
    }

    [Fact]
    public void Read_RestartIntervalDividingEveryProgressiveScan_CountedLikePillow()
    {
        // 48x48 gray: 36 blocks in every scan, an interval of 4 divides it.
        var (bytes, white) = CraftedJpeg.Build(new JpegSpec(48, 48) { Progressive = true, EmptyAcScans = 2, RestartInterval = 4 });

        AssertCountsAsPillowDoes(bytes, JpegHeader.Read(bytes, complete: true, bytes.Length), white, 48, 48);
    }

    [Fact]
    public void Read_RestartIntervalNotDividingAScanBeforeTheNext_Refused()
    {
        // 40x40 gray: 25 blocks a scan, interval 4: ImageSharp enters the second scan one MCU into an
        // interval, libjpeg at its start.
        var (bytes, _) = CraftedJpeg.Build(new JpegSpec(40, 40) { Progressive = true, EmptyAcScans = 1, RestartInterval = 4 });

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "does not divide");
    }

    public static TheoryData<string, int> RestartMistakes() => new()
    {
        { "a restart marker without a restart interval", 0 },
        { "one restart marker too many", 1 },
        { "one restart marker missing", 2 },
        { "restart markers out of sequence", 3 },
    };

    [Theory]
    [MemberData(nameof(RestartMistakes))]
    public void Read_RestartMarkersThatDoNotMatchTheInterval_Refused(string name, int mistake)
    {
        var bytes = CraftedJpeg.Build(new JpegSpec(64, 16) { RestartInterval = 4 }).Bytes; // 16 blocks: RST0, RST1, RST2
        var list = bytes.ToList();
        var rst = Enumerable.Range(0, bytes.Length - 1).Where(i => bytes[i] == 0xFF && bytes[i + 1] is >= 0xD0 and <= 0xD7).ToArray();
        Assert.Equal(3, rst.Length);
        switch (mistake)
        {
            case 0:
                var dri = JpegParts.Split(bytes).TakeWhile(p => p[1] != 0xDD).Sum(p => p.Length);
                list.RemoveRange(dri, 6);
                break;
            case 1:
                list.InsertRange(bytes.Length - 2, [0xFF, 0xD3]);
                break;
            case 2:
                list.RemoveRange(rst[2], 2);
                break;
            default:
                list[rst[1] + 1] = 0xD5;
                break;
        }

        Output.WriteLine(name);
        AssertRefused(JpegHeader.Read(list.ToArray(), complete: true, list.Count), ProblemTypes.CorruptImage, "restart");
    }

    [Fact]
    public void Read_ScanUsingAnUndefinedHuffmanTable_Refused()
    {
        var parts = JpegParts.Split(CraftedJpeg.Build(new JpegSpec(32, 32)).Bytes);
        parts.RemoveAt(parts.FindIndex(p => p[1] == 0xC4 && p[4] == 0x10));
        var bytes = JpegParts.Join(parts);

        // libjpeg substitutes the standard AC table (Motion-JPEG), ImageSharp an empty one.
        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "AC Huffman table 0");
    }

    [Fact]
    public void Read_HuffmanTableThatIsNoPrefixCode_Refused()
    {
        var parts = JpegParts.Split(CraftedJpeg.Build(new JpegSpec(32, 32)).Bytes);
        var ac = parts.FindIndex(p => p[1] == 0xC4 && p[4] == 0x10);
        parts[ac] = [0xFF, 0xC4, 0x00, 0x15, 0x10, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01];
        var bytes = JpegParts.Join(parts);

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "more codes of length 1");
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Fact]
    public void Read_QuantisationTableRedefinedAfterAScanUsedIt_Refused()
    {
        var parts = JpegParts.Split(CraftedJpeg.Build(new JpegSpec(48, 48) { Progressive = true, EmptyAcScans = 1 }).Bytes);
        var dqt = parts[JpegParts.IndexOf(parts, 0xDB)].ToArray();
        dqt[5] = 0; // a zero DC quantiser for ImageSharp, which dequantises with the last table; libjpeg keeps the first
        parts.Insert(JpegParts.IndexOf(parts, 0xDA) + 1, dqt);
        var bytes = JpegParts.Join(parts);

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "redefines quantisation table 0");
        var pillow = Pillow.Read(bytes);
        var raw = DecodeCheck.Decode(bytes);
        Output.WriteLine($"Pillow {pillow}, ImageSharp {raw.White}");
        Assert.NotEqual(pillow.White, raw.White); // the evidence: the decoders really differ here
    }

    [Fact]
    public void Read_McuOfMoreThanTenBlocks_Refused()
    {
        var bytes = CraftedJpeg.Build(new JpegSpec(32, 32) { Components = [new(1, 2, 2), new(2, 2, 2), new(3, 2, 2)] }).Bytes;

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "12 blocks");
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Fact]
    public void Read_FractionalSubsampling_Refused()
    {
        var parts = JpegParts.Split(CraftedJpeg.Build(new JpegSpec(48, 32) { Components = Ycc420 }).Bytes);
        var sof = parts[JpegParts.IndexOf(parts, 0xC0)];
        sof[11] = 0x32; // luma 3x2 over chroma... and chroma 2x1 below: 3 is no multiple of 2
        sof[14] = 0x21;
        var bytes = JpegParts.Join(parts);

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "fractional subsampling");
    }

    [Fact]
    public void Read_DuplicateComponentIds_Refused()
    {
        var bytes = CraftedJpeg.Build(new JpegSpec(32, 32) { Components = [new(1, 1, 1), new(2, 1, 1), new(2, 1, 1)] }).Bytes;

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "two components with id 2");
    }

    [Theory]
    [InlineData(0x01, "TEM")]
    [InlineData(0x02, "reserved marker")]
    [InlineData(0xC8, "reserved JPG marker")]
    [InlineData(0xD8, "second start-of-image")]
    public void Read_MarkersLibjpegOrPillowRefuse_Refused(int marker, string detail)
    {
        var parts = JpegParts.Split(CraftedJpeg.Build(new JpegSpec(16, 16)).Bytes);
        parts.Insert(2, marker is 0x01 or 0xD8 ? [0xFF, (byte)marker] : CraftedJpeg.Segment((byte)marker, [0, 0]));
        var bytes = JpegParts.Join(parts);

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, detail);
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Theory]
    [InlineData(0xC3, "lossless")]
    [InlineData(0xC5, "hierarchical")]
    [InlineData(0xC9, "arithmetic")]
    [InlineData(0xCA, "arithmetic")]
    public void Read_CodingProcessImageSharpDoesNotDecode_RefusedAsUnsupported(int sof, string detail)
    {
        var bytes = CraftedJpeg.Build(new JpegSpec(16, 16)).Bytes;
        var parts = JpegParts.Split(bytes);
        parts[JpegParts.IndexOf(parts, 0xC0)][1] = (byte)sof;
        bytes = JpegParts.Join(parts);

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.UnsupportedFormat, detail);
    }

    [Fact]
    public void Read_TwelveBitSamples_RefusedAsUnsupported()
    {
        var parts = JpegParts.Split(CraftedJpeg.Build(new JpegSpec(16, 16)).Bytes);
        parts[JpegParts.IndexOf(parts, 0xC0)][4] = 12;
        var bytes = JpegParts.Join(parts);

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.UnsupportedFormat, "12-bit");
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65501)]
    public void Read_FrameSideOutsideWhatLibjpegReads_Refused(int side)
    {
        var parts = JpegParts.Split(CraftedJpeg.Build(new JpegSpec(16, 16)).Bytes);
        var sof = parts[JpegParts.IndexOf(parts, 0xC0)];
        sof[7] = (byte)(side >> 8);
        sof[8] = (byte)side;
        var bytes = JpegParts.Join(parts);

        AssertRefused(JpegHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, $"{side}x16");
    }

    [Fact]
    public void NextMarker_RandomEntropyCodedData_FindsWhatTheScalarReferenceFinds()
    {
        // Bytes drawn mostly from FF and 00 so that markers, stuffed bytes and fill bytes meet at
        // every offset of a vector, from every start, at every length up to a few vectors.
        var random = new Random(11);
        byte[] alphabet = [0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xD0, 0xD9, 0x12];
        for (var n = 0; n < 20_000; n++)
        {
            var data = new byte[random.Next(0, 3 * System.Numerics.Vector<byte>.Count)];
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = random.Next(4) == 0 ? alphabet[random.Next(alphabet.Length)] : (byte)0xFF;
            }

            var from = random.Next(0, data.Length + 1);
            Assert.Equal(JpegWalk.NextMarkerScalar(data, from), JpegWalk.NextMarker(data, from));
        }
    }

    [Fact]
    public void Normalise_BodyWithoutStrayBytes_ReturnsTheSameMemory()
    {
        var bytes = CraftedJpeg.Build(new JpegSpec(16, 16)).Bytes;
        var facts = (JpegFacts)JpegHeader.Read(bytes, complete: true, bytes.Length).Facts!;

        var normalised = JpegNormaliser.Normalise(bytes, facts);

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(normalised, out var segment) && ReferenceEquals(segment.Array, bytes));
    }

    [Fact]
    public void Normalise_StrayBytes_GivesABodyWithTheSameFactsAndNoStrayBytes()
    {
        var parts = JpegParts.Split(CraftedJpeg.Build(new JpegSpec(61, 47) { Components = Ycc420, Progressive = true, EmptyAcScans = 2 }).Bytes);
        var bytes = JpegParts.Join(parts.Take(1).Concat(parts.Skip(1).SelectMany(p => new[] { p, new byte[] { 0x00, 0xFF, 0xFF } })));
        var facts = (JpegFacts)JpegHeader.Read(bytes, complete: true, bytes.Length).Facts!;

        var normalised = JpegNormaliser.Normalise(bytes, facts).ToArray();
        var again = (JpegFacts)JpegHeader.Read(normalised, complete: true, normalised.Length).Facts!;

        Assert.Equal(facts with { StrayBytes = 0 }, again);
        Assert.Equal(bytes.Length - facts.StrayBytes - 3, normalised.Length); // and the 3 bytes after EOI
        Assert.Throws<ArgumentException>(() => JpegNormaliser.Normalise(normalised, facts));
    }

    public static TheoryData<string, int, int> MemoryCases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var kind in new[] { "gray", "420", "444", "422", "410", "cmyk", "420 non-interleaved", "420 progressive", "gray progressive", "444 progressive" })
        {
            data.Add(kind, 1000, 750);
            data.Add(kind, 333, 1001);
            data.Add(kind, 4001, 97);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MemoryCases))]
    public void DecoderBytes_CraftedJpeg_BoundsTheAllocatorPeakAndEveryAllocation(string kind, int width, int height)
    {
        var spec = new JpegSpec(width, height) { IsWhite = (bx, by) => ((bx * 7) + (by * 13)) % 5 < 2 };
        spec = kind switch
        {
            "gray" => spec,
            "420" => spec with { Components = Ycc420 },
            "444" => spec with { Components = Ycc444 },
            "422" => spec with { Components = [new(1, 2, 1), new(2, 1, 1), new(3, 1, 1)] },
            "410" => spec with { Components = [new(1, 4, 2), new(2, 1, 1), new(3, 1, 1)] },
            "cmyk" => spec with { Components = [new(1, 1, 1), new(2, 1, 1), new(3, 1, 1), new(4, 1, 1)], Jfif = false, AdobeTransform = 0, SameValueInEveryComponent = true },
            "420 non-interleaved" => spec with { Components = Ycc420, NonInterleaved = true },
            "420 progressive" => spec with { Components = Ycc420, Progressive = true },
            "gray progressive" => spec with { Progressive = true },
            _ => spec with { Components = Ycc444, Progressive = true },
        };
        var (bytes, white) = CraftedJpeg.Build(spec);
        var facts = Assert.IsType<JpegFacts>(JpegHeader.Read(bytes, complete: true, bytes.Length).Facts);

        var decoded = DecodeCheck.Decode(bytes);
        var reservation = DecodeCheck.Reservation(facts, bytes.Length);

        Output.WriteLine($"{kind} {width}x{height}: peak {decoded.AllocatorPeak}, allocated {decoded.Allocated}, reservation {reservation} ({(double)reservation / decoded.Allocated:0.00}x allocated)");
        Assert.Equal(white, decoded.White);
        Assert.True(decoded.AllocatorPeak <= reservation, $"allocator peak {decoded.AllocatorPeak} > reservation {reservation}");
        Assert.True(decoded.Allocated <= reservation, $"allocated {decoded.Allocated} > reservation {reservation}");
        Assert.True(reservation <= (decoded.Allocated * 1.5) + Common.Imaging.DecodeCostEstimator.FixedBytes, $"reservation {reservation} is far above the {decoded.Allocated} allocated");
    }

    /// <summary>A 1024x1024 progressive image's segments after SOI, EOI included: what a hiding place holds.</summary>
    private static byte[] HiddenProgressiveImage()
    {
        var hidden = CraftedJpeg.Build(new JpegSpec(1024, 1024) { Progressive = true, EmptyAcScans = 0, Jfif = false, IsWhite = (_, _) => false }).Bytes;
        return hidden[2..];
    }

    private static (byte[] Bytes, long White) WithSegment(JpegSpec spec, byte[] segment, byte before)
    {
        var (bytes, white) = CraftedJpeg.Build(spec);
        var parts = JpegParts.Split(bytes);
        parts.Insert(JpegParts.IndexOf(parts, before), segment);
        return (JpegParts.Join(parts), white);
    }

    private void AssertColourSpaceVerdict(byte[] bytes, long white, bool accepted)
    {
        var read = JpegHeader.Read(bytes, complete: true, bytes.Length);
        var pillow = Pillow.Read(bytes);
        var (raw, error) = DecodeCheck.TryDecode(bytes);
        Output.WriteLine($"reader {read.Outcome} {read.Facts} {read.Detail}; Pillow {pillow}; ImageSharp {raw?.White.ToString() ?? error!.Message}");
        if (accepted)
        {
            AssertCountsAsPillowDoes(bytes, read, white < 0 ? pillow.White : white, pillow.Width, pillow.Height);
        }
        else
        {
            AssertRefused(read, ProblemTypes.CorruptImage, "");
            Assert.True(raw is null || raw.White != pillow.White, "a refusal here must be one where the decoders really disagree");
        }
    }
}
