using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ImageGateway.Resilience.Tests.Support;

/// <summary>A slowloris: sends a request prefix, then one byte a second until the server cuts it off.</summary>
public static class SlowClient
{
    /// <summary>Request headers that never end: a header value dripped forever.</summary>
    public const string EndlessHeaders = "POST /count-white-pixels HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

    /// <summary>Complete headers announcing a body of <paramref name="contentLength"/> bytes, which then comes at 1 byte/s.</summary>
    public static string SlowBody(long contentLength) =>
        $"POST /count-white-pixels HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: {contentLength}\r\n\r\n";

    /// <summary>How long the server took to close the connection, or null if it was still open after <paramref name="giveUpAfter"/>.</summary>
    public static async Task<TimeSpan?> DripAsync(int port, string prefix, TimeSpan giveUpAfter)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(5));
        var stream = tcp.GetStream();
        var clock = Stopwatch.StartNew();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(prefix));
        var closed = ReadUntilClosedAsync(stream);
        while (clock.Elapsed < giveUpAfter)
        {
            if (await Task.WhenAny(closed, Task.Delay(TimeSpan.FromSeconds(1))) == closed)
            {
                return clock.Elapsed;
            }

            try
            {
                await stream.WriteAsync("a"u8.ToArray());
            }
            catch (IOException)
            {
                return clock.Elapsed;
            }
        }

        return null;
    }

    /// <summary>
    /// Uploads <paramref name="body"/> with its <c>Content-Length</c> at about <paramref name="bytesPerSecond"/>
    /// (a phone on a poor link), in 4 KiB pieces, and returns the answer's status code (0 when the
    /// connection closed without one).
    /// </summary>
    public static async Task<int> UploadAsync(int port, byte[] body, int bytesPerSecond, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /count-white-pixels HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nContent-Length: {body.Length}\r\n\r\n"), cancellationToken);
        const int piece = 4096;
        var clock = Stopwatch.StartNew();
        try
        {
            for (var sent = 0; sent < body.Length; sent += piece)
            {
                await stream.WriteAsync(body.AsMemory(sent, Math.Min(piece, body.Length - sent)), cancellationToken);
                var due = TimeSpan.FromSeconds((double)(sent + piece) / bytesPerSecond);
                if (due > clock.Elapsed)
                {
                    await Task.Delay(due - clock.Elapsed, cancellationToken);
                }
            }

            var answer = new byte[1024];
            var read = await stream.ReadAsync(answer, cancellationToken);
            var line = Encoding.ASCII.GetString(answer, 0, read);
            return line.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && int.TryParse(line.AsSpan(9, 3), out var status) ? status : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static async Task ReadUntilClosedAsync(NetworkStream stream)
    {
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Reset: closed as well.
        }
    }
}
