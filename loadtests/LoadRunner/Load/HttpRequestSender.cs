using System.Net.Http.Headers;
using ImageGateway.LoadRunner.Classification;
using ImageGateway.LoadRunner.Payloads;

namespace ImageGateway.LoadRunner.Load;

/// <summary>
/// Posts payloads to <c>{target}/count-white-pixels</c> over pooled HTTP/1.1 connections and classifies
/// each answer. A request that does not finish within the timeout is a <see cref="Outcome.Timeout"/>;
/// a refused, reset or closed connection is a <see cref="Outcome.ConnectionError"/>.
/// </summary>
public sealed class HttpRequestSender : IRequestSender, IDisposable
{
    /// <summary>Answers are small JSON documents; more than this is cut (and then fails to parse).</summary>
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>Bodies larger than this are sent with <c>Expect: 100-continue</c>.</summary>
    private const int ExpectContinueAbove = 1024 * 1024;

    private readonly HttpClient _client;
    private readonly Uri _endpoint;
    private readonly TimeSpan _timeout;

    public HttpRequestSender(Uri target, TimeSpan timeout)
    {
        _endpoint = new Uri(target, "/count-white-pixels");
        _timeout = timeout;
        _client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = timeout,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseProxy = false,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<Classification.Classification> SendAsync(Payload payload)
    {
        using var timeout = new CancellationTokenSource(_timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(payload.Body) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(payload.ContentType);

            // Large bodies ask first, as curl does, so a server can refuse them (413) before they are sent.
            request.Headers.ExpectContinue = payload.Body.Length > ExpectContinueAbove;
            if (payload.ContentEncoding is { } encoding)
            {
                request.Content.Headers.ContentEncoding.Add(encoding);
            }

            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var body = await ReadBoundedAsync(response.Content, timeout.Token);
            var hasRetryAfter = response.Headers.RetryAfter is not null;
            var retryAfter = response.Headers.RetryAfter is { } header
                ? header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : null)
                : null;
            return ResponseClassifier.Classify((int)response.StatusCode, hasRetryAfter, body, payload.Expectation) with { RetryAfter = retryAfter };
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return ResponseClassifier.Timeout;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return ResponseClassifier.ConnectionError;
        }
    }

    public void Dispose() => _client.Dispose();

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxBodyBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        return buffer[..length];
    }
}
