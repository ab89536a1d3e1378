using System.Net.Http.Headers;

namespace ImageGateway.Gateway.Tests.Infrastructure;

/// <summary>A recording backend and the real gateway in front of it, both on loopback Kestrel.</summary>
public sealed class GatewayWithBackend : IAsyncDisposable
{
    private GatewayWithBackend(RecordingBackend backend, GatewayFactory gateway)
    {
        Backend = backend;
        Gateway = gateway;
        Client = gateway.CreateLoopbackClient();
    }

    public RecordingBackend Backend { get; }

    public GatewayFactory Gateway { get; }

    public HttpClient Client { get; }

    public static async Task<GatewayWithBackend> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var backend = await RecordingBackend.StartAsync();
        try
        {
            return new GatewayWithBackend(backend, GatewayFactory.Start([backend.BaseAddress], settings));
        }
        catch
        {
            await backend.DisposeAsync();
            throw;
        }
    }

    /// <summary>Posts <paramref name="body"/> to the upload route with a 30 s timeout.</summary>
    public async Task<HttpResponseMessage> PostAsync(HttpContent content)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await Client.PostAsync("/count-white-pixels", content, cts.Token);
    }

    public Task<HttpResponseMessage> PostAsync(byte[] body, string contentType = "application/octet-stream")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return PostAsync(content);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
