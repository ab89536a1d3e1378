using System.Diagnostics;

namespace ImageGateway.Backend.Metrics;

/// <summary>
/// The backend's spans, children of the ASP.NET Core request span (whose parent is the gateway's,
/// from <c>traceparent</c>): <c>admission.wait</c> (one per reservation of the decode budget: the
/// body, then the decode), <c>decode</c> and <c>count</c>, with the image facts as attributes.
/// </summary>
public static class BackendActivities
{
    public const string SourceName = "ImageGateway.Backend";

    public static readonly ActivitySource Source = new(SourceName);
}
