using System.Net;
using ImageGateway.TestSupport;

namespace ImageGateway.Fuzzing;

/// <summary>
/// A share of the inputs through the real backend's HTTP endpoint (<c>POST /count-white-pixels</c>
/// on a backend process started from its build output): what a client would get, with the
/// backend's own admission, budget and decode path. The invariant: a 200 or a 4xx, or an honest 503
/// (problem+json with Retry-After); never another 5xx, never a dead backend.
/// </summary>
internal sealed class BackendShare : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly AppProcess _backend;
    private readonly HttpClient _client;

    private BackendShare(AppProcess backend)
    {
        _backend = backend;
        _client = new HttpClient { BaseAddress = backend.BaseAddress, Timeout = RequestTimeout };
    }

    /// <summary>Uploads posted.</summary>
    public int Posted { get; private set; }

    /// <summary>Starts a backend built in the fuzzer's own configuration.</summary>
    public static BackendShare Start()
    {
        var configuration = Stack.Configuration(typeof(BackendShare).Assembly);
        var backend = Stack.StartBackendAsync(configuration, "fuzz-backend").WaitAsync(TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
        return new BackendShare(backend);
    }

    /// <summary>Posts <paramref name="body"/>; null when the answer keeps the invariant, else what broke it.</summary>
    public string? Check(byte[] body)
    {
        Posted++;
        try
        {
            using var content = new ByteArrayContent(body);
            using var response = _client.PostAsync(new Uri("/count-white-pixels", UriKind.Relative), content).WaitAsync(RequestTimeout).GetAwaiter().GetResult();
            var status = (int)response.StatusCode;
            if (status is 200 or (>= 400 and < 500))
            {
                return null;
            }

            var honest = response.StatusCode == HttpStatusCode.ServiceUnavailable
                && response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                && response.Headers.RetryAfter is not null;
            return honest ? null : $"the backend answered {status} {response.Content.ReadAsStringAsync().GetAwaiter().GetResult()}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or TaskCanceledException)
        {
            return $"the backend gave no answer ({ex.GetType().Name}: {ex.Message}){(_backend.HasExited ? "; it exited: " + _backend.Output : string.Empty)}";
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _backend.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
    }
}
