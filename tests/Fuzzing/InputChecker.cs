using ImageGateway.Common.Imaging;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.TestSupport;

namespace ImageGateway.Fuzzing;

/// <summary>What one input came to, for the run's tally and the findings.</summary>
internal sealed record CheckResult(HeaderRead Backend, DecodeAnswer? Decode, PillowResult? Pillow, IReadOnlyList<Violation> Violations)
{
    /// <summary>Differences that are known limits, tallied and shown but not findings.</summary>
    public IReadOnlyList<Violation> Notes { get; init; } = [];

    /// <summary>A short class of the answer: the status, with the problem type's last word for refusals.</summary>
    public string Outcome => Backend.Outcome == HeaderOutcome.Refused
        ? $"header {Backend.Problem!.Status} {Backend.Problem.Type[(Backend.Problem.Type.LastIndexOf(':') + 1)..]}"
        : Decode is null ? "not decoded" : Decode.Outcome switch
        {
            DecodeOutcome.Counted => "decode 200",
            DecodeOutcome.Refused => $"decode {Decode.Status} {Decode.Detail.Split(' ')[0].Split(':')[^1]}",
            var other => $"decode {other}",
        };
}

/// <summary>
/// Checks every invariant (<see cref="Invariants"/>) on one input: the header model as the gateway
/// and as the backend run it, the decode in the child, and Pillow.
/// </summary>
internal sealed class InputChecker(DecodeWorkerClient child, TimeSpan deadline) : IDisposable
{
    /// <summary>The gateway's default peek window (<c>Inspection:PeekBytes</c>).</summary>
    public const int PeekBytes = 512 * 1024;

    /// <summary>The note (not a finding) of a lossy image whose count differs from Pillow's beyond the tolerance.</summary>
    public const string LossyCountDiffers = "lossy-count-differs";

    /// <summary>The note of a palette PNG with fewer PLTE entries than its bit depth allows whose count differs from Pillow's.</summary>
    public const string PaletteIndexBeyondPlte = "png-palette-shorter-than-depth";

    private static readonly UploadLimits Limits = UploadLimits.Default;

    public void Dispose() => child.Dispose();

    /// <param name="input">The body.</param>
    /// <param name="format">The seed's format, for the structural boundaries the prefixes are cut at.</param>
    /// <param name="pillowIsReference">Pillow's count of the seed is the reference (<see cref="Seed.PillowIsReference"/>).</param>
    public CheckResult Check(byte[] input, string format, bool pillowIsReference)
    {
        var violations = new List<Violation>();
        var notes = new List<Violation>();

        // The backend: the header model on the whole body.
        HeaderRead backend;
        try
        {
            backend = ImageHeaders.Read(input, complete: true, input.Length, Limits);
        }
        catch (Exception ex)
        {
            violations.Add(new(Invariants.HeaderReadReturns, $"whole body: {ex.GetType().Name}: {ex.Message}"));
            return new CheckResult(default, null, null, violations);
        }

        if (backend.Outcome == HeaderOutcome.NeedMoreData)
        {
            violations.Add(new(Invariants.HeaderReadReturns, "NeedMoreData on a whole body"));
        }

        CheckGateway(input, format, backend, violations);
        if (backend.Outcome != HeaderOutcome.Accepted)
        {
            if (backend.Outcome == HeaderOutcome.Refused && backend.Problem!.Status is < 400 or > 499)
            {
                violations.Add(new(Invariants.DefiniteAnswer, $"header model refused with {backend.Problem.Status} {backend.Problem.Type}"));
            }

            return new CheckResult(backend, null, null, violations);
        }

        var facts = backend.Facts!;
        var reservation = DecodeCostEstimator.Estimate(facts, input.Length);
        var decode = child.Decode(input, deadline);
        switch (decode.Outcome)
        {
            case DecodeOutcome.Hung:
                violations.Add(new(Invariants.WithinDeadline, $"{facts}: {decode.Detail}"));
                break;
            case DecodeOutcome.Crashed:
                violations.Add(new(Invariants.ChildSurvives, $"{facts}: {decode.Detail}"));
                break;
            case DecodeOutcome.Error or DecodeOutcome.OutOfMemory:
                violations.Add(new(Invariants.DefiniteAnswer, $"{facts}: {decode.Status} {decode.Detail}"));
                break;
            case DecodeOutcome.OverReservation:
                violations.Add(new(Invariants.WithinReservation, $"{facts}: reservation {reservation} bytes: {decode.Detail}"));
                break;
            case DecodeOutcome.NotWhatHeaderSays:
                violations.Add(new(Invariants.DecodesToFacts, $"{facts}: {decode.Detail}"));
                break;
            case DecodeOutcome.Refused when decode.Status is < 400 or > 499:
                violations.Add(new(Invariants.DefiniteAnswer, $"{facts}: {decode.Status} {decode.Detail}"));
                break;
            default:
                break;
        }

        if (decode.AllocatorPeak > reservation)
        {
            violations.Add(new(Invariants.WithinReservation, $"{facts}: allocator peak {decode.AllocatorPeak} bytes, reservation {reservation} ({decode})"));
        }

        if (decode.Outcome != DecodeOutcome.Counted)
        {
            return new CheckResult(backend, decode, null, violations);
        }

        if ((decode.Width, decode.Height) != (facts.Width, facts.Height))
        {
            violations.Add(new(Invariants.DecodesToFacts, $"{facts}: decoded {decode.Width}x{decode.Height}"));
        }

        if (decode.White > (long)decode.Width * decode.Height)
        {
            violations.Add(new(Invariants.CountWithinFrame, $"{facts}: {decode.White} white in {decode.Width}x{decode.Height}"));
        }

        PillowResult? pillow = null;
        if (pillowIsReference)
        {
            pillow = Pillow.Read(input);
            if (!pillow.Refused)
            {
                ComparePillow(input, facts, decode, pillow, violations, notes);
            }
        }

        return new CheckResult(backend, decode, pillow, violations) { Notes = notes };
    }

    /// <summary>The gateway's inspection over prefixes cut at structural boundaries, at half the body, and over the real peek window.</summary>
    private static void CheckGateway(byte[] input, string format, HeaderRead backend, List<Violation> violations)
    {
        var windows = new SortedSet<int> { PeekBytes, input.Length / 2, ImageHeaders.DetectionBytes };
        var boundaries = Layout.Of(format, input).Boundaries.Where(b => b > 0).ToList();
        foreach (var b in boundaries.Take(4).Concat(boundaries.TakeLast(2)))
        {
            windows.Add(b);
            windows.Add(b + 1);
        }

        foreach (var window in windows.Where(w => w > 0))
        {
            var complete = input.Length <= window;
            if (complete && window != PeekBytes)
            {
                continue; // the whole body: checked once, with the real window
            }

            var prefix = input.AsSpan(0, Math.Min(window, input.Length));
            foreach (var declared in complete ? new long?[] { input.Length } : [input.Length, null])
            {
                HeaderRead gateway;
                try
                {
                    gateway = ImageHeaders.Read(prefix, complete, declared, Limits);
                }
                catch (Exception ex)
                {
                    violations.Add(new(Invariants.HeaderReadReturns, $"prefix of {prefix.Length} (declared {declared?.ToString() ?? "none"}): {ex.GetType().Name}: {ex.Message}"));
                    continue;
                }

                var disagreement = Disagreement(gateway, backend, complete);
                if (disagreement is not null)
                {
                    violations.Add(new(Invariants.PrefixAgrees, $"prefix of {prefix.Length} of {input.Length} (declared {declared?.ToString() ?? "none"}): {disagreement}"));
                    return;
                }
            }
        }
    }

    /// <summary>Null when the gateway's verdict is consistent with the backend's under the prefix rule.</summary>
    internal static string? Disagreement(HeaderRead gateway, HeaderRead backend, bool complete)
    {
        var gatewaySays = Describe(gateway);
        var backendSays = Describe(backend);
        if (complete)
        {
            return gatewaySays == backendSays ? null : $"gateway {gatewaySays}, backend {backendSays}";
        }

        return gateway.Outcome switch
        {
            HeaderOutcome.NeedMoreData => null,
            // The problem type may differ: a body with two defects is refused for the first one the
            // reader meets, and the gateway meets only those within its window (a header over the
            // limits, then a second IHDR beyond the window: image-too-large here, corrupt-image there).
            HeaderOutcome.Refused when backend.Outcome == HeaderOutcome.Refused => null,
            HeaderOutcome.Accepted when backend.Outcome == HeaderOutcome.Refused => null,
            HeaderOutcome.Accepted when backend.Outcome == HeaderOutcome.Accepted && Core(gateway.Facts!) == Core(backend.Facts!) => null,
            _ => $"gateway {gatewaySays}, backend {backendSays}",
        };
    }

    /// <summary>
    /// Pillow 9.4 drops a frame's local colour table that is the grey ramp (entry i = (i, i, i)) as
    /// "not needed" and then renders the frame with the global table, where giflib and ImageSharp use
    /// the local one: Pillow's count of such a GIF is not the reference.
    /// </summary>
    private static bool PillowIgnoresLocalTable(byte[] gif, GifFacts facts)
    {
        if (gif.Length < 13 || (gif[10] & 0x80) == 0 || facts.ColorTableEntries == 0)
        {
            return false;
        }

        // The first frame's table ends at its LZW minimum code size byte, just before the data; the
        // descriptor's flags byte comes before the table (found from the facts: the reader's walk
        // skips what a simple walker cannot, such as stray bytes between blocks).
        var table = facts.ImageDataOffset - 1 - (3 * facts.ColorTableEntries);
        if (table < 1 || (gif[table - 1] & 0x80) == 0)
        {
            return false;
        }

        for (var i = 0; i < 3 * facts.ColorTableEntries; i++)
        {
            if (gif[table + i] != i / 3)
            {
                return false;
            }
        }

        return true;
    }

    private static (string, int, int, SampleDepth) Core(ImageFacts facts) => (facts.Format, facts.Width, facts.Height, facts.Depth);

    private static string Describe(HeaderRead read) => read.Outcome switch
    {
        HeaderOutcome.Accepted => $"accepted {read.Facts}",
        HeaderOutcome.Refused => $"refused {read.Problem!.Type} ({read.Detail})",
        _ => "needs more data",
    };

    private static void ComparePillow(byte[] input, ImageFacts facts, DecodeAnswer decode, PillowResult pillow, List<Violation> violations, List<Violation> notes)
    {
        if ((pillow.Width, pillow.Height) != (decode.Width, decode.Height))
        {
            violations.Add(new(Invariants.PillowAgrees, $"{facts}: counted {decode.Width}x{decode.Height} ({decode.White} white), Pillow {pillow}"));
            return;
        }

        if (facts.Depth == SampleDepth.Bits16 || facts is NetpbmFacts { MaxValue: > 255 })
        {
            // Pillow reduces samples deeper than 8 bits (16-bit PNG: to the high byte; Netpbm over
            // maxval 255: clipped at 255) before counting: its count is not the reference.
            return;
        }

        if (facts is PngFacts { ColorType: 0, BitDepth: < 8 } && Layout.Of("png", input).Units.Any(u => u.Name == "tRNS"))
        {
            // Pillow 9.4 compares a low-bit grey tRNS value with samples it has already scaled to
            // 0..255 (a 1-bit image: 1 against 255), so it misses the transparent pixels: its count
            // is not the reference (the corpus manifest notes the same).
            return;
        }

        if (facts is GifFacts gifFacts && PillowIgnoresLocalTable(input, gifFacts))
        {
            return;
        }

        if (facts is PngFacts { ColorType: 3 } palette && Layout.Of("png", input).Units.FirstOrDefault(u => u.Name == "PLTE") is { } plte
            && (plte.Length - 12) / 3 < 1 << palette.BitDepth && Math.Abs(decode.White - pillow.White) > 0)
        {
            // An index beyond a short palette: ImageSharp clamps to the last entry, libpng gives
            // black, Pillow a grey; telling needs unfiltering the data (docs/formats.md, "Not covered").
            notes.Add(new(PaletteIndexBeyondPlte, $"{facts}: counted {decode.White} white, Pillow {pillow.White}; PLTE has {(plte.Length - 12) / 3} entries"));
            return;
        }

        var lossy = facts is JpegFacts || (facts is WebpFacts { Lossless: null });
        var tolerance = lossy ? CorpusExpectations.LossyTolerance(facts.Pixels) : 0;
        if (Math.Abs(decode.White - pillow.White) <= tolerance)
        {
            return;
        }

        if (lossy)
        {
            // Corrupt entropy-coded data is concealed differently by each decoder, and neither
            // reports it; the count of a damaged lossy image is noted, not held (docs/fuzzing.md).
            notes.Add(new(LossyCountDiffers, $"{facts}: counted {decode.White} white, Pillow {pillow.White} (tolerance {tolerance})"));
            return;
        }

        violations.Add(new(Invariants.PillowAgrees, $"{facts}: counted {decode.White} white, Pillow {pillow.White} (tolerance {tolerance})"));
    }
}
