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
