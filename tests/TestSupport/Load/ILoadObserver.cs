namespace ImageGateway.TestSupport.Load;

/// <summary>
/// What a load run does with each upload it sends: called from many users at once, so implementations
/// are thread-safe. An exception thrown here is a bug of the caller: the upload counts as lost
/// (<see cref="LoadClient.LastError"/>).
/// </summary>
/// <typeparam name="T">The caller's item an upload was made from (a payload with its expectation, or the upload itself).</typeparam>
public interface ILoadObserver<in T>
{
    /// <summary>Just before <paramref name="item"/> is sent in <paramref name="phase"/>.</summary>
    void OnSent(Phase phase, T item);

    /// <summary>
    /// <paramref name="item"/> ended in <paramref name="outcome"/>. <paramref name="latency"/> runs from the
    /// intended send time (open model) or the send (closed model) to the end of the answer.
    /// </summary>
    void OnAnswered(Phase phase, T item, UploadOutcome outcome, TimeSpan latency);
}
