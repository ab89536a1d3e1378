using System.Diagnostics;

namespace ImageGateway.Fuzzing;

/// <summary>
/// Shrinks an input while it still breaks the same invariant: removes ever smaller ranges of bytes
/// (halves, quarters... single bytes), keeping each removal that still fails. Bounded in tries and
/// time, so it is "where practical": a PNG's CRCs make most byte removals inside a chunk pass.
/// </summary>
internal static class Minimiser
{
    private const int MaxTries = 400;
    private static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(60);

    public static byte[] Minimise(byte[] input, string format, Func<byte[], bool> stillFails)
    {
        var clock = Stopwatch.StartNew();
        var tries = 0;
        var current = input;

        // Whole structures first (PNG CRCs recomputed), last to first so that offsets stay valid.
        var units = Layout.Of(format, current).Units;
        for (var u = units.Count - 1; u >= 1 && tries < MaxTries && clock.Elapsed < MaxTime; u--)
        {
            var candidate = new byte[current.Length - units[u].Length];
            current.AsSpan(0, units[u].Start).CopyTo(candidate);
            current.AsSpan(units[u].End).CopyTo(candidate.AsSpan(units[u].Start));
            if (format == "png")
            {
                Layout.FixPngCrcs(candidate);
            }

            tries++;
            if (candidate.Length > 0 && stillFails(candidate))
            {
                current = candidate;
            }
        }

        for (var chunk = Math.Max(1, current.Length / 2); chunk >= 1; chunk /= 2)
        {
            for (var at = 0; at < current.Length && tries < MaxTries && clock.Elapsed < MaxTime;)
            {
                var length = Math.Min(chunk, current.Length - at);
                var candidate = new byte[current.Length - length];
                current.AsSpan(0, at).CopyTo(candidate);
                current.AsSpan(at + length).CopyTo(candidate.AsSpan(at));
                if (format == "png")
                {
                    Layout.FixPngCrcs(candidate);
                }

                tries++;
                if (candidate.Length > 0 && stillFails(candidate))
                {
                    current = candidate;
                }
                else
                {
                    at += length;
                }
            }

            if (chunk == 1)
            {
                break;
            }
        }

        return current;
    }
}
