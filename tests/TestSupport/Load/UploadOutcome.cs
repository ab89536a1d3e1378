using System.Globalization;

namespace ImageGateway.TestSupport.Load;

/// <summary>
/// One upload's fate, the one record every load loop keeps: when it was sent (on the load client's
/// clock) and how long it took, the HTTP status (0 when no answer came) with the problem <c>type</c> of a
/// refusal, or why there was no answer.
/// </summary>
/// <param name="Status">The HTTP status, or 0 when no answer came (timeout, refused or reset connection).</param>
/// <param name="ProblemType">The RFC 9457 <c>type</c> of the answer's body, when it is a problem document.</param>
/// <param name="Error">Why no answer came; null when one did.</param>
public sealed record UploadOutcome(int Status, string? ProblemType = null, string? Error = null)
{
    /// <summary>When the upload was sent, from the start of the load client's clock.</summary>
    public TimeSpan Start { get; init; }

    /// <summary>From sending to the end of the answer's body.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>The answer's <c>Retry-After</c>, when it had one (a client that honours it waits that long).</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The answer's body, cut at <see cref="UploadSender.MaxAnswerBytes"/> (answers are small JSON documents).</summary>
    public byte[] Body { get; init; } = [];

    /// <summary>True when no answer came within the request timeout.</summary>
    public bool TimedOut { get; init; }

    public bool Answered => Status != 0;

    /// <summary>No answer within <paramref name="timeout"/>.</summary>
    public static UploadOutcome Timeout(TimeSpan timeout) => new(0, Error: $"no answer within {timeout.TotalSeconds:0.###} s") { TimedOut = true };

    /// <summary>Connection refused, reset or closed before an answer.</summary>
    public static UploadOutcome ConnectionError(Exception exception) => new(0, Error: $"{exception.GetType().Name}: {exception.Message}");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"+{Start.TotalSeconds:F2}s {(Answered ? Status.ToString(CultureInfo.InvariantCulture) : "NO ANSWER")} in {Duration.TotalMilliseconds:F0} ms {ProblemType ?? Error}");
}
