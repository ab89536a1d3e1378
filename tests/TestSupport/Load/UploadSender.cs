using System.Net.Http.Headers;

namespace ImageGateway.TestSupport.Load;

/// <summary>
/// Sends one upload. Never throws for anything the server or network does: every upload ends in one
/// <see cref="UploadOutcome"/> (an exception is a bug of the client, and the load client counts the
/// upload as lost).
/// </summary>
public interface IUploadSender
{
    Task<UploadOutcome> SendAsync(Upload upload);
}

/// <summary>
/// Posts uploads to <c>{target}{path}</c> over pooled HTTP/1.1 connections. An upload that is not
/// answered within the timeout is <see cref="UploadOutcome.TimedOut"/>; a refused, reset or closed
/// connection has status 0 and its <see cref="UploadOutcome.Error"/>.
/// </summary>
public sealed class UploadSender : IUploadSender, IDisposable
{
    /// <summary>Answers are small JSON documents; more than this is cut (and then fails to parse).</summary>
    public const int MaxAnswerBytes = 64 * 1024;

    private readonly HttpClient _client;
    private readonly Uri _endpoint;
    private readonly TimeSpan _timeout;
    private readonly long _expectContinueAbove;

    /// <param name="target">The server.</param>
    /// <param name="timeout">The most an upload may take, connecting included.</param>
    /// <param name="path">The path posted to.</param>
    /// <param name="expectContinueAbove">Bodies larger than this ask first (<c>Expect: 100-continue</c>, as curl does), so a server can refuse them before they are sent; null never asks.</param>
    public UploadSender(Uri target, TimeSpan timeout, string path = "/count-white-pixels", long? expectContinueAbove = null)
    {
        _endpoint = new Uri(target, path);
        _timeout = timeout;
        _expectContinueAbove = expectContinueAbove ?? long.MaxValue;
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

    public async Task<UploadOutcome> SendAsync(Upload upload)
    {
        using var timeout = new CancellationTokenSource(_timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(upload.Body) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(upload.ContentType);
            request.Headers.ExpectContinue = upload.Body.Length > _expectContinueAbove;
            if (upload.ContentEncoding is { } encoding)
            {
                request.Content.Headers.ContentEncoding.Add(encoding);
            }

            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var body = await ReadBoundedAsync(response.Content, timeout.Token);
            var retryAfter = response.Headers.RetryAfter is { } header
                ? header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : null)
                : null;
            var status = (int)response.StatusCode;
            return new UploadOutcome(status, status == 200 ? null : AnswerJson.ReadProblemType(body)) { RetryAfter = retryAfter, Body = body };
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return UploadOutcome.Timeout(_timeout);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return UploadOutcome.ConnectionError(ex);
        }
    }

    public void Dispose() => _client.Dispose();

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        // Sized by Content-Length when the server sends one (+1 to see that it ended), so small answers take little.
        var buffer = new byte[(int)Math.Min(MaxAnswerBytes, (content.Headers.ContentLength ?? MaxAnswerBytes) + 1)];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        return buffer[..length];
    }
}
