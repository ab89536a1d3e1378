using System.Net;
using System.Net.Sockets;
using System.Text;
using ImageGateway.TestSupport.Load;

namespace ImageGateway.TestSupport.Tests.Load;

/// <summary>The sender against a raw TCP server that answers exactly the bytes a test gives it.</summary>
public sealed class UploadSenderTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ProblemAnswerWithRetryAfter_GivesStatusTypeRetryAfterAndBody()
    {
        const string Body = """{"type":"urn:image-gateway:problem:overloaded","title":"Overloaded","status":503}""";
        using var server = OneAnswerServer.Start(
            $"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nRetry-After: 2\r\nContent-Length: {Body.Length}\r\n\r\n{Body}");
        using var sender = new UploadSender(server.Address, TimeSpan.FromSeconds(10));

        var outcome = await sender.SendAsync(new Upload([1, 2, 3])).WaitAsync(TestTimeout);

        Assert.Equal(503, outcome.Status);
        Assert.Equal("urn:image-gateway:problem:overloaded", outcome.ProblemType);
        Assert.Equal(TimeSpan.FromSeconds(2), outcome.RetryAfter);
        Assert.Equal(Body, Encoding.UTF8.GetString(outcome.Body));
        Assert.True(outcome.Answered);
        Assert.Null(outcome.Error);
        var request = await server.Request.WaitAsync(TestTimeout);
        Assert.StartsWith("POST /count-white-pixels HTTP/1.1", request, StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/octet-stream", request, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AnswerLargerThanTheBound_IsCutAtMaxAnswerBytes()
    {
        var body = new string('x', UploadSender.MaxAnswerBytes + 1000);
        using var server = OneAnswerServer.Start($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}");
        using var sender = new UploadSender(server.Address, TimeSpan.FromSeconds(10));

        var outcome = await sender.SendAsync(new Upload([1])).WaitAsync(TestTimeout);

        Assert.Equal(200, outcome.Status);
        Assert.Equal(UploadSender.MaxAnswerBytes, outcome.Body.Length);
        Assert.Null(outcome.ProblemType);
    }

    [Fact]
    public async Task ServerNeverAnswers_TimesOutWithStatusZero()
    {
        using var server = OneAnswerServer.Start(answer: null);
        using var sender = new UploadSender(server.Address, TimeSpan.FromMilliseconds(300));

        var outcome = await sender.SendAsync(new Upload([1])).WaitAsync(TestTimeout);

        Assert.True(outcome.TimedOut);
        Assert.False(outcome.Answered);
        Assert.Contains("no answer within 0.3 s", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NothingListening_IsAConnectionErrorWithStatusZero()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var sender = new UploadSender(new Uri($"http://127.0.0.1:{port}"), TimeSpan.FromSeconds(10));

        var outcome = await sender.SendAsync(new Upload([1])).WaitAsync(TestTimeout);

        Assert.False(outcome.Answered);
        Assert.False(outcome.TimedOut);
        Assert.StartsWith("HttpRequestException", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LargeBody_AsksFirstOnlyAboveTheGivenSize()
    {
        using var server = OneAnswerServer.Start("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        using var sender = new UploadSender(server.Address, TimeSpan.FromSeconds(10), expectContinueAbove: 1000);

        var outcome = await sender.SendAsync(new Upload(new byte[1001])).WaitAsync(TestTimeout);

        Assert.Equal(413, outcome.Status);
        Assert.Contains("Expect: 100-continue", await server.Request.WaitAsync(TestTimeout), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Accepts one connection, reads the request head, then writes <c>answer</c> (or nothing, and holds the connection).</summary>
    private sealed class OneAnswerServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly TaskCompletionSource<string> _request = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _stop = new();

        private OneAnswerServer()
        {
            _listener.Start();
            Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        }

        public Uri Address { get; }

        /// <summary>The request's head (request line and headers).</summary>
        public Task<string> Request => _request.Task;

        public static OneAnswerServer Start(string? answer)
        {
            var server = new OneAnswerServer();
            _ = server.ServeAsync(answer);
            return server;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }

        private async Task ServeAsync(string? answer)
        {
            try
            {
                using var socket = await _listener.AcceptSocketAsync(_stop.Token);
                var head = new StringBuilder();
                var buffer = new byte[4096];
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await socket.ReceiveAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                _request.TrySetResult(head.ToString());
                if (answer is null)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }

                await socket.SendAsync(Encoding.ASCII.GetBytes(answer), _stop.Token);
                await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token); // the client reads before the close
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                _request.TrySetResult(string.Empty);
            }
        }
    }
}
