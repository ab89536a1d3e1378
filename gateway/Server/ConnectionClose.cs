namespace ImageGateway.Gateway.Server;

public static class ConnectionClose
{
    /// <summary>
    /// Answers with <c>Connection: close</c>, so a connection whose request body was not read to the
    /// end is not kept for another request. Registered as a starting callback so that clearing the
    /// response before writing a problem does not drop it.
    /// </summary>
    public static void CloseConnectionAfterResponse(this HttpResponse response) =>
        response.OnStarting(static state =>
        {
            ((HttpResponse)state).Headers.Connection = "close";
            return Task.CompletedTask;
        }, response);
}
