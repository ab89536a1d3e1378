using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace ImageGateway.Gateway.Tests.Infrastructure;

/// <summary>HTTP/1.1 by hand over a socket, for what HttpClient hides (Expect: 100-continue, slow clients).</summary>
public static class RawHttp
{
    public static async Task<Socket> ConnectAsync(Uri address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(address.Host, address.Port, cts.Token);
        return socket;
    }

    public static async Task SendAsync(Socket socket, string text)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, cts.Token);
    }

    /// <summary>
    /// Sends <paramref name="body"/> as HTTP/1.1 chunks until it ends, the peer stops taking data, or
    /// <paramref name="cancellationToken"/> fires. Returns normally in every case.
    /// </summary>
    public static async Task SendChunkedAsync(Socket socket, Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await socket.SendAsync(Encoding.ASCII.GetBytes($"{read:X}\r\n"), SocketFlags.None, cancellationToken);
                await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken);
                await socket.SendAsync("\r\n"u8.ToArray(), SocketFlags.None, cancellationToken);
            }

            await socket.SendAsync("0\r\n\r\n"u8.ToArray(), SocketFlags.None, cancellationToken);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The server answered and closed, or the test has what it needs.
        }
    }

    /// <summary>Reads until the end of the first response's headers (or the connection closes).</summary>
    public static async Task<string> ReadResponseHeadAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return received.ToString();
    }

    /// <summary>
    /// Reads the first response whole: its head, then as many body bytes as its <c>Content-Length</c>
    /// says (without waiting for the connection to close, which Kestrel may delay while it drains a
    /// request body the client never sent).
    /// </summary>
    public static async Task<string> ReadResponseAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            var text = Encoding.ASCII.GetString(received.ToArray());
            var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd >= 0)
            {
                var length = text[..headEnd].Split("\r\n")
                    .Where(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                    .Select(line => int.Parse(line["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture))
                    .FirstOrDefault();
                if (received.Count >= headEnd + 4 + length)
                {
                    return text;
                }
            }

            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (read == 0)
            {
                return text;
            }

            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    /// <summary>Reads until the peer closes the connection; returns everything read.</summary>
    public static async Task<string> ReadToCloseAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (SocketException)
        {
            // A reset is a close too.
        }

        return received.ToString();
    }
}
