using ImageGateway.Common.Problems;
using ImageGateway.LoadRunner.Payloads;
using ImageGateway.TestSupport.Load;

namespace ImageGateway.LoadRunner.Classification;

/// <summary>One classified answer: its <see cref="Outcome"/> and the status-mix label (<c>422 image-too-large</c>).</summary>
public readonly record struct Classification(Outcome Outcome, string Label);

/// <summary>
/// Decides the <see cref="Outcome"/> of one answer from its status, <c>Retry-After</c> and body, against
/// what the payload expects. The documented problem types are the product's own catalogue
/// (<see cref="ProblemTypes"/>), so the runner and the services cannot drift apart.
/// </summary>
public static class ResponseClassifier
{
    private const string TypePrefix = "urn:image-gateway:problem:";

    // Every type in the catalogue but internal-error: a 500 is never an answer a client should get.
    private static readonly Dictionary<string, int> DocumentedTypes = ProblemTypes.All
        .Where(p => p != ProblemTypes.InternalError)
        .ToDictionary(p => p.Type, p => p.Status, StringComparer.Ordinal);

    public static Classification Timeout { get; } = new(Outcome.Timeout, "timeout");

    public static Classification ConnectionError { get; } = new(Outcome.ConnectionError, "connection-error");

    /// <summary>Classifies what became of one upload of a payload with <paramref name="expectation"/>.</summary>
    public static Classification Classify(UploadOutcome outcome, Expectation expectation) =>
        outcome.TimedOut ? Timeout
        : !outcome.Answered ? ConnectionError
        : Classify(outcome.Status, outcome.RetryAfter is not null, outcome.Body, expectation);

    /// <summary>Classifies an HTTP answer. <paramref name="body"/> may be cut short; only small JSON bodies matter.</summary>
    public static Classification Classify(int status, bool hasRetryAfter, ReadOnlySpan<byte> body, Expectation expectation)
    {
        if (status == 200)
        {
            if (AnswerJson.ReadCount(body) is not { } count)
            {
                return new(Outcome.CountWrong, "200 unreadable-body");
            }

            if (expectation.Count is null)
            {
                return new(Outcome.HostileAccepted, "200");
            }

            return new(expectation.CountIsRight(count) ? Outcome.CountRight : Outcome.CountWrong, "200");
        }

        var type = AnswerJson.ReadProblemType(body);
        var documented = type is not null && DocumentedTypes.TryGetValue(type, out var typeStatus) && typeStatus == status;
        var label = type is null ? status.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : $"{status} {(type.StartsWith(TypePrefix, StringComparison.Ordinal) ? type[TypePrefix.Length..] : type)}";

        if (status is 503 or 429)
        {
            return new(
                hasRetryAfter && documented ? Outcome.Shed
                : status == 503 ? Outcome.UnavailableWithoutRetryAfter
                : Outcome.Undocumented,
                label);
        }

        if (status >= 500)
        {
            return new(Outcome.ServerError, label);
        }

        if (status is >= 400 and < 500 && documented)
        {
            return new(expectation.RejectStatuses.Contains(status) ? Outcome.Rejected : Outcome.UnexpectedRejection, label);
        }

        return new(Outcome.Undocumented, label);
    }

}
