using ImageGateway.Common.Imaging.Headers;
using ImageGateway.TestSupport;

namespace ImageGateway.Common.Tests.Imaging.Headers;

/// <summary>
/// One crafted input through everything that has an opinion on it: the header model (as the
/// backend runs it, on the whole body), the backend's image-data step, ImageSharp's own decode of
/// what the backend would hand it, ImageSharp's decode of the raw bytes, and Pillow.
/// </summary>
internal sealed record Verdict(HeaderRead Read, PreparedImage? Prepared, ImageSharpAnswer? Decoded, ImageSharpAnswer? RawImageSharp, bool RawImageSharpHung, PillowResult Pillow)
{
    /// <summary>How long a decode of these small inputs may take before it counts as hung (it takes milliseconds).</summary>
    public static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Refused by the header model or by the image-data step; the detail.</summary>
    public string? Refusal => Read.Outcome == HeaderOutcome.Refused ? Read.Detail : Prepared is { IsRefused: true } p ? p.Detail : null;

    /// <summary>
    /// Judges <paramref name="bytes"/>. <paramref name="rawDecodeHangs"/>: ImageSharp 2.1.13 may
    /// never return on the raw bytes, so they are decoded in a child process that is killed after
    /// <see cref="HangTimeout"/> (<see cref="ImageSharpDecode.ReadInChildProcess"/>).
    /// </summary>
    public static Verdict Of(byte[] bytes, bool rawDecodeHangs = false)
    {
        var read = ImageHeaders.Read(bytes, complete: true, bytes.Length, UploadLimits.Default);
        PreparedImage? prepared = null;
        ImageSharpAnswer? decoded = null;
        if (read.Outcome == HeaderOutcome.Accepted)
        {
            prepared = ImageHeaders.Prepare(bytes, read.Facts!);
            if (!prepared.Value.IsRefused)
            {
                decoded = ImageSharpDecode.Read(prepared.Value.Body.ToArray(), read.Facts!.Depth == SampleDepth.Bits16);
            }
        }

        var raw = rawDecodeHangs
            ? ImageSharpDecode.ReadInChildProcess(bytes, Stack.Configuration(typeof(Verdict).Assembly), HangTimeout)
            : ImageSharpDecode.Read(bytes);
        return new Verdict(read, prepared, decoded, raw, raw is null, TestSupport.Pillow.Read(bytes));
    }

    /// <summary>
    /// Asserts the upload is counted, and counted right: the facts equal what ImageSharp decodes from
    /// the prepared body, and the count equals <paramref name="expectedWhite"/> (by construction) and
    /// Pillow's (unless <paramref name="pillowAgrees"/> is false, with the reason in the test).
    /// </summary>
    public void AssertCounted(long expectedWhite, bool pillowAgrees = true)
    {
        Assert.True(Refusal is null, $"refused: {Refusal}");
        var facts = Read.Facts!;
        Assert.NotNull(Decoded);
        Assert.False(Decoded.Failed, Decoded.ToString());
        Assert.Equal((facts.Width, facts.Height), (Decoded.Width, Decoded.Height));
        Assert.Equal(expectedWhite, Decoded.White);
        if (pillowAgrees)
        {
            Assert.False(Pillow.Refused, $"Pillow {Pillow}");
            Assert.Equal((facts.Width, facts.Height, expectedWhite), (Pillow.Width, Pillow.Height, Pillow.White));
        }
    }

    /// <summary>Asserts a 422 whose detail names the reason.</summary>
    public void AssertRefused(string reason)
    {
        Assert.True(Refusal is not null, $"accepted: {Read.Facts}, decoded {Decoded}, Pillow {Pillow}");
        Assert.Contains(reason, Refusal, StringComparison.Ordinal);
        var problem = Read.Outcome == HeaderOutcome.Refused ? Read.Problem : Prepared!.Value.Problem;
        Assert.Equal(422, problem!.Status);
    }

    /// <summary>ImageSharp 2.1.13 did not return on the raw bytes within <see cref="HangTimeout"/>.</summary>
    public void AssertImageSharpHangs() => Assert.True(RawImageSharpHung, $"ImageSharp answered {RawImageSharp}");

    /// <summary>The evidence that the raw bytes need the product's intervention: ImageSharp alone does not answer what Pillow answers.</summary>
    public void AssertImageSharpAloneDiffersFromPillow()
    {
        if (RawImageSharpHung)
        {
            return; // a decode that never returns differs from any answer
        }

        Assert.NotNull(RawImageSharp);
        var same = !RawImageSharp.Failed && !Pillow.Refused
            && (RawImageSharp.Width, RawImageSharp.Height, RawImageSharp.White) == (Pillow.Width, Pillow.Height, Pillow.White);
        Assert.False(same, $"ImageSharp alone {RawImageSharp} equals Pillow {Pillow}: no evidence the product must step in.");
    }
}
