namespace ImageGateway.Gateway.Dispatch;

/// <summary>The request feature a dispatched upload carries through the proxy pipeline.</summary>
public sealed class DispatchFeature(DispatchReservation reservation, long cost, string? clientKey)
{
    /// <summary>The reservation now held (a retry replaces it).</summary>
    public DispatchReservation Reservation { get; set; } = reservation;

    /// <summary>The upload's decode cost in bytes.</summary>
    public long Cost { get; } = cost;

    internal string? ClientKey { get; } = clientKey;

    /// <summary>Whether a backend's 503 <c>overloaded</c> may still be retried on another destination (a buffered body, not yet retried).</summary>
    public bool CanRetry { get; set; }

    /// <summary>Set by the response transform when the backend answered 503 <c>overloaded</c> and the answer was held back for a retry.</summary>
    public bool RetryRequested { get; set; }
}
