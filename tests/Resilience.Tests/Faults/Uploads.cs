using ImageGateway.TestSupport.Load;
using ImageGateway.TestSupport;

namespace ImageGateway.Resilience.Tests.Faults;

internal static class Uploads
{
    /// <summary>A small valid PNG (64x64, all black): cheap to count, so load measures routing, not decoding.</summary>
    public static readonly byte[] SmallPng = CraftedImages.Png(64, 64, rows: 64);

    /// <summary>Outcomes as lines, for failure messages.</summary>
    public static string Describe(IEnumerable<UploadOutcome> outcomes) =>
        string.Join(Environment.NewLine, outcomes.Take(40));
}
