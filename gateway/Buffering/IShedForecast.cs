using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Buffering;

/// <summary>
/// What buffering asks before it receives a body: whether dispatch would shed this upload for its
/// expected wait anyway, so that one about to be shed is not received first. Owned here and
/// implemented by dispatch (<c>DispatchScheduler</c>), which runs after buffering and reads its
/// <see cref="BufferedUpload"/>: buffering stays below dispatch, with no way back up.
/// </summary>
public interface IShedForecast
{
    /// <summary>Whether an upload of <paramref name="cost"/> bytes arriving now would be shed for its expected wait.</summary>
    bool WouldShed(long cost, IReadOnlyList<DestinationState> available);
}
