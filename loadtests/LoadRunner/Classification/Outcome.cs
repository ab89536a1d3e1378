namespace ImageGateway.LoadRunner.Classification;

/// <summary>
/// The one class every sent request ends in. The totals of all classes equal the requests sent
/// ("no request lost"); <see cref="OutcomeFacts.IsFailure"/> says which count against the error rate.
/// </summary>
public enum Outcome
{
    /// <summary>200 with the expected white-pixel count.</summary>
    CountRight,

    /// <summary>200 whose count differs from the expected one, or whose body is not the documented JSON.</summary>
    CountWrong,

    /// <summary>A documented 4xx problem the payload was expected to get (hostile input refused).</summary>
    Rejected,

    /// <summary>200 for an input that must be refused (a hostile input got through).</summary>
    HostileAccepted,

    /// <summary>A documented 4xx for an input that should have been counted or refused differently.</summary>
    UnexpectedRejection,

    /// <summary>A status or body the API does not document (e.g. 404, a 4xx without a problem type).</summary>
    Undocumented,

    /// <summary>Load shed as documented: 503 or 429 with <c>Retry-After</c>.</summary>
    Shed,

    /// <summary>503 without <c>Retry-After</c>: the client cannot know when to come back.</summary>
    UnavailableWithoutRetryAfter,

    /// <summary>Any other 5xx (500, 502, 504...).</summary>
    ServerError,

    /// <summary>No answer within the request timeout.</summary>
    Timeout,

    /// <summary>Connection refused, reset or closed before an answer.</summary>
    ConnectionError,
}

public static class OutcomeFacts
{
    public static IReadOnlyList<Outcome> All { get; } = Enum.GetValues<Outcome>();

    /// <summary>Outcomes that count against <c>--max-error-rate</c>. Right counts, expected refusals and documented shedding do not.</summary>
    public static bool IsFailure(this Outcome outcome) => outcome is not (Outcome.CountRight or Outcome.Rejected or Outcome.Shed);

    /// <summary>Outcomes with a 5xx status (503 included).</summary>
    public static bool IsServerStatus(this Outcome outcome) =>
        outcome is Outcome.Shed or Outcome.UnavailableWithoutRetryAfter or Outcome.ServerError;

    /// <summary>Kebab-case name used in reports and <c>results.json</c>.</summary>
    public static string Name(this Outcome outcome) => outcome switch
    {
        Outcome.CountRight => "count-right",
        Outcome.CountWrong => "count-wrong",
        Outcome.Rejected => "rejected-as-expected",
        Outcome.HostileAccepted => "hostile-accepted",
        Outcome.UnexpectedRejection => "unexpected-rejection",
        Outcome.Undocumented => "undocumented-answer",
        Outcome.Shed => "shed-with-retry-after",
        Outcome.UnavailableWithoutRetryAfter => "503-without-retry-after",
        Outcome.ServerError => "server-error",
        Outcome.Timeout => "timeout",
        Outcome.ConnectionError => "connection-error",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}
