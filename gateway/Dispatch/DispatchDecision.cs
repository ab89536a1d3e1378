namespace ImageGateway.Gateway.Dispatch;

/// <summary>The scheduler's answer for one upload.</summary>
public sealed class DispatchDecision
{
    /// <summary><c>error.type</c> of an upload shed at once because its expected wait was over the bound.</summary>
    public const string ExpectedWaitReason = "expected-wait";

    /// <summary><c>error.type</c> of an upload shed after waiting the whole bound.</summary>
    public const string TimedOutReason = "queue-timeout";

    /// <summary><c>error.type</c> of an upload shed before its body was read.</summary>
    public const string BeforePeekReason = "before-peek";

    /// <summary>No destination is available: YARP answers (503 <c>no-healthy-backend</c>).</summary>
    public static readonly DispatchDecision NoDestination = new();

    private DispatchDecision()
    {
    }

    /// <summary>Granted: where the upload goes and what it holds there.</summary>
    public DispatchReservation? Reservation { get; private init; }

    /// <summary>Why it was shed (<see cref="ExpectedWaitReason"/>, <see cref="TimedOutReason"/>), else null.</summary>
    public string? ShedReason { get; private init; }

    /// <summary>The wait that was expected (shed at once) or waited (timed out).</summary>
    public TimeSpan Wait { get; private init; }

    /// <summary>For a shed or over-share upload: when to come back.</summary>
    public TimeSpan RetryAfter { get; private init; }

    /// <summary>For a client over its share: the bytes one client may hold.</summary>
    public long? ShareBytes { get; private init; }

    public static DispatchDecision Granted(DispatchReservation reservation) => new() { Reservation = reservation };

    public static DispatchDecision Shed(string reason, TimeSpan wait, TimeSpan retryAfter) => new() { ShedReason = reason, Wait = wait, RetryAfter = retryAfter };

    public static DispatchDecision OverShare(long shareBytes, TimeSpan retryAfter) => new() { ShareBytes = shareBytes, RetryAfter = retryAfter };
}
