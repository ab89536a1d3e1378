using System.Diagnostics;

namespace ImageGateway.Backend.Tracing;

/// <summary>
/// The backend's spans, children of the ASP.NET Core request span (whose parent is the gateway's,
/// from <c>traceparent</c>): <c>admission.wait</c> (one per reservation of the decode budget: the
/// body, then the decode) and <c>decode</c> (the decode worker's decode and count, as the server waits
/// for it), with the image facts as attributes.
/// </summary>
public static class BackendActivities
{
    public const string SourceName = "ImageGateway.Backend";

    public static readonly ActivitySource Source = new(SourceName);
}
