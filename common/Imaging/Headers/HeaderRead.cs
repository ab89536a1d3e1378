using ImageGateway.Common.Problems;

namespace ImageGateway.Common.Imaging.Headers;

/// <summary>What the header model concluded from the bytes it was given.</summary>
public enum HeaderOutcome
{
    /// <summary>The bytes end before the structure the answer depends on; give more and ask again.</summary>
    NeedMoreData,

    /// <summary>The upload is refused; <see cref="HeaderRead.Problem"/> and <see cref="HeaderRead.Detail"/> say why.</summary>
    Refused,

    /// <summary>
    /// Nothing in the bytes given is wrong and the facts are known. When the bytes were the whole
    /// body, every structure was checked; when they were a prefix, everything within it was.
    /// </summary>
    Accepted,
}

/// <summary>The header model's answer: more bytes needed, a refusal with its problem type, or the facts.</summary>
public readonly record struct HeaderRead
{
    private HeaderRead(HeaderOutcome outcome, ImageFacts? facts, ProblemType? problem, string? detail)
    {
        Outcome = outcome;
        Facts = facts;
        Problem = problem;
        Detail = detail;
    }

    public HeaderOutcome Outcome { get; }

    /// <summary>The facts, when <see cref="HeaderOutcome.Accepted"/>.</summary>
    public ImageFacts? Facts { get; }

    /// <summary>The problem type, when <see cref="HeaderOutcome.Refused"/>.</summary>
    public ProblemType? Problem { get; }

    /// <summary>Why, in words a client can act on (the limit and the value seen), when <see cref="HeaderOutcome.Refused"/>.</summary>
    public string? Detail { get; }

    public static HeaderRead NeedMoreData => default;

    public static HeaderRead Accept(ImageFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return new(HeaderOutcome.Accepted, facts, null, null);
    }

    public static HeaderRead Refuse(ProblemType problem, string detail)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentException.ThrowIfNullOrEmpty(detail);
        return new(HeaderOutcome.Refused, null, problem, detail);
    }

    /// <summary>Shorthand for a <see cref="ProblemTypes.CorruptImage"/> refusal.</summary>
    public static HeaderRead Corrupt(string detail) => Refuse(ProblemTypes.CorruptImage, detail);
}
