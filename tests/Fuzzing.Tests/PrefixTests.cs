using ImageGateway.Common.Imaging.Headers;

namespace ImageGateway.Fuzzing.Tests;

/// <summary>
/// The prefix rule (docs/fuzzing.md) on every unmutated corpus seed, at many more windows than the
/// fuzzer tries per input: every length up to 4 KiB, every structural boundary and the bytes around
/// it, and 64 evenly spaced lengths. A gateway reading the upload as it arrives sees exactly such
/// prefixes. Found missing by the fuzzer: a WebP with an ALPH chunk was refused as "two image
/// chunks" by any prefix that ended inside its VP8 chunk.
/// </summary>
public sealed class PrefixTests
{
    public static TheoryData<string> Seeds()
    {
        var data = new TheoryData<string>();
        foreach (var seed in Seed.LoadCorpus())
        {
            data.Add(seed.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Read_EveryPrefixOfACorpusSeed_AgreesWithTheWholeBody(string name)
    {
        var seed = Seed.Find(name)!;
        AssertEveryPrefixAgrees(name, seed.Format, seed.Bytes);
    }

    /// <summary>
    /// VP8X, ALPH, VP8, then a metadata chunk (as cameras and editors write EXIF and XMP): before the
    /// fix every prefix that ended inside the VP8 chunk was refused as "two image chunks", so the
    /// gateway refused such uploads whenever its peek ended there (a body over the window, or a
    /// first read of part of it).
    /// </summary>
    [Fact]
    public void Read_EveryPrefixOfAnAlphaWebpWithAChunkAfterItsImage_AgreesWithTheWholeBody()
    {
        var webp = File.ReadAllBytes(Path.Combine(TestSupport.RepoPaths.Corpus, "pillow", "transparent.webp"));
        byte[] exif = [.. "EXIF"u8, 6, 0, 0, 0, .. "Exif\0\0"u8];
        byte[] body = [.. webp, .. exif];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(4), (uint)(body.Length - 8));
        Assert.Equal(HeaderOutcome.Accepted, ImageHeaders.Read(body, complete: true, body.Length, UploadLimits.Default).Outcome);

        AssertEveryPrefixAgrees("transparent.webp + EXIF", "webp", body);
    }

    private static void AssertEveryPrefixAgrees(string name, string format, byte[] body)
    {
        var whole = ImageHeaders.Read(body, complete: true, body.Length, UploadLimits.Default);
        var lengths = new SortedSet<int>(Enumerable.Range(1, Math.Min(4096, body.Length - 1)));
        foreach (var boundary in Layout.Of(format, body).Boundaries)
        {
            for (var delta = -2; delta <= 2; delta++)
            {
                lengths.Add(boundary + delta);
            }
        }

        for (var i = 1; i < 64; i++)
        {
            lengths.Add((int)((long)body.Length * i / 64));
        }

        foreach (var length in lengths.Where(l => l > 0 && l < body.Length))
        {
            foreach (var declared in new long?[] { body.Length, null })
            {
                var prefix = ImageHeaders.Read(body.AsSpan(0, length), complete: false, declared, UploadLimits.Default);
                var disagreement = InputChecker.Disagreement(prefix, whole, complete: false);
                Assert.True(disagreement is null, $"{name}, prefix of {length} of {body.Length} (declared {declared?.ToString() ?? "none"}): {disagreement}");
            }
        }
    }
}
