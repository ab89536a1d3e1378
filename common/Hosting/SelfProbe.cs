namespace ImageGateway.Common.Hosting;

/// <summary>
/// Lets an app's own binary serve as its container health check, so the runtime image needs no shell,
/// curl or wget: <c>dotnet App.dll --probe http://127.0.0.1:8080/health/ready</c> exits 0 when the URL
/// answers 2xx within <see cref="Timeout"/>, else 1. It runs before any host is built.
/// </summary>
public static class SelfProbe
{
    public const string Flag = "--probe";

    /// <summary>How long the probe waits for an answer before it reports failure.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>When <paramref name="args"/> ask for a probe, runs it and ends the process with its exit code.</summary>
    public static void ExitIfRequested(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var at = Array.IndexOf(args, Flag);
        if (at < 0)
        {
            return;
        }

        if (at + 1 < args.Length && Uri.TryCreate(args[at + 1], UriKind.Absolute, out var url))
        {
            Environment.Exit(Probe(url));
        }

        Console.Error.WriteLine($"{Flag} needs an absolute URL, e.g. {Flag} http://127.0.0.1:8080/health/ready");
        Environment.Exit(2);
    }

    /// <summary>0 when <paramref name="url"/> answers 2xx within <see cref="Timeout"/>, else 1 (with the reason on stderr).</summary>
    public static int Probe(Uri url)
    {
        using var client = new HttpClient { Timeout = Timeout };
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = client.Send(request);
            if (response.IsSuccessStatusCode)
            {
                return 0;
            }

            Console.Error.WriteLine($"{url} answered {(int)response.StatusCode}");
            return 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"{url} did not answer: {ex.Message}");
            return 1;
        }
    }
}
