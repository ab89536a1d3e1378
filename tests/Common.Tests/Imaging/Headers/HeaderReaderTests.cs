using ImageGateway.Common.Imaging.Headers;
using ImageGateway.Common.Problems;
using ImageGateway.TestSupport;
using Xunit.Abstractions;

namespace ImageGateway.Common.Tests.Imaging.Headers;

/// <summary>
/// What the tests of one format's header reader (BMP, JPEG, WebP) judge its answers by: an accepted
/// body decodes in ImageSharp 2.1.13 (after the format's normaliser, <see cref="DecodeCheck"/>) to
/// the size the reader gave, with Pillow's white count, within the reservation the facts buy; a
/// refused one names its problem type and reason.
/// </summary>
/// <typeparam name="TFacts">The facts the format's reader returns.</typeparam>
public abstract class HeaderReaderTests<TFacts>(ITestOutputHelper output)
    where TFacts : ImageFacts
{
    protected ITestOutputHelper Output => output;

    /// <summary>How far ImageSharp's count may be from Pillow's and from the expected one: 0 unless the encoding is lossy.</summary>
    protected virtual long CountTolerance(TFacts facts) => 0;

    /// <summary>
    /// Whether every managed byte the decode allocates must also fit the reservation, not only what it
    /// takes from the image allocator (WebP, whose decoder allocates its tables outside the allocator).
    /// </summary>
    protected virtual bool AllocationsCountAgainstTheReservation => false;

    /// <summary>
    /// Asserts <paramref name="read"/> accepted a <paramref name="width"/> x <paramref name="height"/>
    /// image that ImageSharp decodes to that size with <paramref name="expectedWhite"/> white pixels,
    /// as Pillow does (<paramref name="pillowSaid"/>, or Pillow run on the bytes), within its reservation.
    /// </summary>
    protected void AssertCountsAsPillowDoes(byte[] bytes, HeaderRead read, long expectedWhite, int width, int height, PillowResult? pillowSaid = null)
    {
        Assert.True(read.Outcome == HeaderOutcome.Accepted, $"{read.Outcome}: {read.Detail}");
        var facts = Assert.IsType<TFacts>(read.Facts);
        Assert.Equal((width, height), (facts.Width, facts.Height));

        var decoded = DecodeCheck.Decode(DecodeCheck.Prepare(bytes, facts));
        var pillow = pillowSaid ?? Pillow.Read(bytes);
        var reservation = DecodeCheck.Reservation(facts, bytes.Length);
        output.WriteLine($"facts {facts}; ImageSharp {decoded}; Pillow {pillow}; reservation {reservation}");

        Assert.False(pillow.Refused, pillow.Refusal);
        Assert.Equal((width, height), (decoded.Width, decoded.Height));
        Assert.Equal((width, height), (pillow.Width, pillow.Height));
        var tolerance = CountTolerance(facts);
        Assert.True(Math.Abs(decoded.White - pillow.White) <= tolerance, $"ImageSharp counts {decoded.White}, Pillow {pillow.White} (tolerance {tolerance})");
        Assert.True(Math.Abs(decoded.White - expectedWhite) <= tolerance, $"ImageSharp counts {decoded.White}, expected {expectedWhite} (tolerance {tolerance})");
        Assert.True(decoded.AllocatorPeak <= reservation, $"allocator peak {decoded.AllocatorPeak} > reservation {reservation}");
        if (AllocationsCountAgainstTheReservation)
        {
            Assert.True(decoded.Allocated <= reservation, $"allocated {decoded.Allocated} > reservation {reservation}");
        }
    }

    /// <summary>Asserts <paramref name="read"/> refused with <paramref name="problem"/> and a detail that contains <paramref name="detail"/>.</summary>
    protected void AssertRefused(HeaderRead read, ProblemType problem, string detail)
    {
        output.WriteLine($"{read.Outcome} {read.Problem?.Type}: {read.Detail}");
        Assert.Equal(HeaderOutcome.Refused, read.Outcome);
        Assert.Equal(problem, read.Problem);
        Assert.Contains(detail, read.Detail, StringComparison.Ordinal);
    }
}
