using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;

namespace ImageGateway.Resilience.Tests.Support;

/// <summary>One upload's fate: its status (with the problem body when not 2xx), or 0 with the reason when no HTTP answer came.</summary>
public sealed record Outcome(TimeSpan Start, TimeSpan Duration, int Status, string? Error)
{
    public bool Answered => Status != 0;

    public override string ToString() => $"+{Start.TotalSeconds:F2}s {(Answered ? Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : "NO ANSWER")} in {Duration.TotalMilliseconds:F0} ms {Error}";
}

/// <summary>
/// Paced concurrent uploads through the gateway until stopped. Every request has its own timeout, so a
/// hang shows up as an unanswered outcome rather than a stuck test; requests in flight when the run is
/// stopped are awaited, never cancelled.
/// </summary>
public sealed class LoadRun : IAsyncDisposable
{
    private readonly HttpClient _client;
    private readonly byte[] _body;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<Outcome> _outcomes = new();
    private readonly Task[] _workers;
    private volatile bool _stopping;

    private LoadRun(Uri gateway, byte[] body, int workers, TimeSpan pause, TimeSpan requestTimeout)
    {
        _client = new HttpClient { BaseAddress = gateway, Timeout = requestTimeout };
        _body = body;
        _workers = Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(pause))).ToArray();
    }

    /// <summary>Time since the run started, on the clock the outcomes use.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public IReadOnlyList<Outcome> Outcomes => _outcomes.ToArray();

    public static LoadRun Start(Uri gateway, byte[] body, int workers = 4, TimeSpan? pause = null, TimeSpan? requestTimeout = null) =>
        new(gateway, body, workers, pause ?? TimeSpan.FromMilliseconds(20), requestTimeout ?? TimeSpan.FromSeconds(20));

    /// <summary>Stops starting requests and waits for those in flight; returns every outcome.</summary>
    public async Task<IReadOnlyList<Outcome>> StopAsync()
    {
        _stopping = true;
        await Task.WhenAll(_workers).WaitAsync(TimeSpan.FromSeconds(60));
        return Outcomes;
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        try
        {
            await Task.WhenAll(_workers).WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            _client.Dispose();
        }
    }

    private async Task WorkAsync(TimeSpan pause)
    {
        while (!_stopping)
        {
            var start = _clock.Elapsed;
            try
            {
                using var content = new ByteArrayContent(_body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                using var response = await _client.PostAsync("/count-white-pixels", content);
                var answer = await response.Content.ReadAsStringAsync();
                var problem = response.IsSuccessStatusCode ? null : answer[..Math.Min(answer.Length, 200)];
                _outcomes.Enqueue(new Outcome(start, _clock.Elapsed - start, (int)response.StatusCode, problem));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                _outcomes.Enqueue(new Outcome(start, _clock.Elapsed - start, 0, $"{ex.GetType().Name}: {ex.Message}"));
            }

            await Task.Delay(pause);
        }
    }
}
