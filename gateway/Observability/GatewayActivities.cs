using System.Diagnostics;

namespace ImageGateway.Gateway.Observability;

/// <summary>
/// The gateway's spans: <c>inspection</c> (the peek and the decision, with the image facts),
/// <c>dispatch.wait</c> (from asking for capacity to holding a reservation on a destination, or being refused) and
/// <c>forward</c> (choosing a destination and proxying; YARP's HttpClient span is its child and
/// carries <c>traceparent</c> to the backend).
/// </summary>
public static class GatewayActivities
{
    public const string SourceName = "ImageGateway.Gateway";

    public static readonly ActivitySource Source = new(SourceName);
}
