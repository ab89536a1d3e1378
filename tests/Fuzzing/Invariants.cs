namespace ImageGateway.Fuzzing;

/// <summary>What must hold for every input; the names are those findings and regressions carry.</summary>
internal static class Invariants
{
    public const string HeaderReadReturns = "header-read-returns";
    public const string PrefixAgrees = "gateway-agrees-with-backend";
    public const string DecodesToFacts = "decodes-to-facts";
    public const string WithinReservation = "within-reservation";
    public const string WithinDeadline = "within-deadline";
    public const string ChildSurvives = "decode-never-crashes";
    public const string CountWithinFrame = "count-within-frame";
    public const string DefiniteAnswer = "definite-answer";
    public const string PillowAgrees = "pillow-agrees";

    /// <summary>Every invariant with its rule, in the order the report prints them.</summary>
    public static IReadOnlyList<(string Name, string Rule)> All { get; } =
    [
        (HeaderReadReturns, "ImageHeaders.Read returns (no exception) on the whole body and on every prefix tried; never NeedMoreData on a whole body"),
        (PrefixAgrees, "the gateway's verdict on a prefix (at most the peek window; complete only when the body fits it) vs the backend's on the whole body: "
            + "when the whole body fits, the same outcome, problem type and facts; otherwise a gateway refusal implies a backend refusal with the same problem type, "
            + "a gateway acceptance implies the backend accepts with the same format, width, height and sample depth, or refuses (a defect beyond the window); "
            + "NeedMoreData is free (the gateway answers header-not-found at a full window)"),
        (DecodesToFacts, "an accepted body decodes (in the backend's own decode worker, under a job limit equal to the reservation) to exactly the facts' width and height"),
        (WithinReservation, "the image allocator's peak during that decode is at most DecodeCostEstimator.Estimate(facts, body length), the reservation"),
        (WithinDeadline, "the decode answers within the deadline (the product's longest decode deadline, 10 s)"),
        (ChildSurvives, "the decode never kills its process"),
        (CountWithinFrame, "a count is at most width x height"),
        (DefiniteAnswer, "every answer is a 200 or a 4xx problem from the catalogue; never a 500 (an out-of-memory 503 is a finding too: the reservation should have held)"),
        (PillowAgrees, "where the seed's Pillow count is the reference (manifest) and Pillow reads the mutant: our 200 has Pillow's width, height and white count "
            + "(JPEG and lossy WebP within max(16, 0.1 % of pixels); 16-bit samples: size only, Pillow reduces them to 8 bits), or our answer is a 4xx"),
    ];
}

/// <summary>One broken invariant.</summary>
internal sealed record Violation(string Invariant, string Detail)
{
    public override string ToString() => $"{Invariant}: {Detail}";
}
