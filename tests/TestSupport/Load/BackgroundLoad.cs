using System.Collections.Concurrent;

namespace ImageGateway.TestSupport.Load;

/// <summary>
/// Closed-model uploads of one body that run in the background until stopped, keeping every
/// <see cref="UploadOutcome"/>: load under which a test kills, restarts or starves the services. Every
/// upload has its own timeout, so a hang shows up as an unanswered outcome rather than a stuck test;
/// uploads in flight when the run is stopped are awaited, never cancelled.
/// </summary>
public sealed class BackgroundLoad : IAsyncDisposable, ILoadObserver<Upload>
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly UploadSender _sender;
    private readonly LoadClient _client;
    private readonly ConcurrentQueue<UploadOutcome> _outcomes = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    private BackgroundLoad(Uri target, byte[] body, int users, TimeSpan pause, TimeSpan requestTimeout)
    {
        _sender = new UploadSender(target, requestTimeout);
        _client = new LoadClient(_sender);
        _run = Task.Run(() => _client.RunAsync([Phase.UntilStopped(users, pause)], new Upload(body), this, _stop.Token));
    }

    /// <summary>Time since the run started, on the clock the outcomes' <see cref="UploadOutcome.Start"/> use.</summary>
    public TimeSpan Elapsed => _client.Elapsed;

    /// <summary>The outcomes so far.</summary>
    public IReadOnlyList<UploadOutcome> Outcomes => _outcomes.ToArray();

    /// <summary>Starts <paramref name="users"/> users posting <paramref name="body"/> to <c>/count-white-pixels</c>, each pausing <paramref name="pause"/> (20 ms by default) after every answer.</summary>
    public static BackgroundLoad Start(Uri target, byte[] body, int users = 4, TimeSpan? pause = null, TimeSpan? requestTimeout = null) =>
        new(target, body, users, pause ?? TimeSpan.FromMilliseconds(20), requestTimeout ?? TimeSpan.FromSeconds(20));

    /// <summary>Stops starting uploads and waits for those in flight; returns every outcome.</summary>
    public async Task<IReadOnlyList<UploadOutcome>> StopAsync()
    {
        await _stop.CancelAsync();
        await _run.WaitAsync(StopTimeout);
        return _client.LastError is { } bug
            ? throw new InvalidOperationException("an upload was lost to a bug of the load client", bug)
            : Outcomes;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stop.CancelAsync();
            await _run.WaitAsync(StopTimeout);
        }
        finally
        {
            _sender.Dispose();
            _stop.Dispose();
        }
    }

    void ILoadObserver<Upload>.OnSent(Phase phase, Upload item)
    {
    }

    void ILoadObserver<Upload>.OnAnswered(Phase phase, Upload item, UploadOutcome outcome, TimeSpan latency) => _outcomes.Enqueue(outcome);
}
