using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using ImageGateway.Common.LoadReports;
using ImageGateway.Common.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace ImageGateway.Gateway.Tests.Infrastructure;

/// <summary>What the fake backend saw of one request that reached it.</summary>
public sealed record ReceivedRequest(string Path, long Length, string Sha256, long? ContentLength, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A stand-in backend on real Kestrel (127.0.0.1, a free port): records every request that reaches
/// <c>/count-white-pixels</c> (SHA-256 of the body as received, headers), answers 200, and is
/// ready unless told otherwise. Requests can be held open to fill the gateway's budget.
/// </summary>
public sealed class RecordingBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private volatile TaskCompletionSource? _hold;
    private int _inFlight;
    private int _started;
    private int _refusedOverloaded;

    private RecordingBackend(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Requests whose whole body arrived.</summary>
    public IReadOnlyCollection<ReceivedRequest> Received => _received;

    /// <summary>Requests that reached the endpoint at all (even if their body never completed).</summary>
    public int Started => Volatile.Read(ref _started);

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Uploads answered 503 <c>overloaded</c> while <see cref="Overloaded"/> was set.</summary>
    public int RefusedOverloaded => Volatile.Read(ref _refusedOverloaded);

    /// <summary>What <c>/health/ready</c> answers: 200 while true, 503 (full) while false.</summary>
    public bool Ready { get; set; } = true;

    /// <summary>
    /// The decode budget this backend reports in its ORCA load report on every answer (reserved and
    /// queued: 0). Default 1 GiB, more than any test fills; null sends no report.
    /// </summary>
    public long? ReportedBudgetBytes { get; set; } = 1L << 30;

    /// <summary>While true, uploads are answered 503 <c>overloaded</c> (a backend that filled up), after their body was read.</summary>
    public bool Overloaded { get; set; }

    public static async Task<RecordingBackend> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var backend = new RecordingBackend(app);
        app.Use((context, next) =>
        {
            if (backend.ReportedBudgetBytes is { } budget)
            {
                context.Response.Headers[LoadReport.HeaderName] = new LoadReport(budget, 0, 0).Format();
            }

            return next(context);
        });
        app.MapGet("/health/ready", () => backend.Ready ? Results.Ok() : Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/health/live", () => Results.Ok());
        app.MapPost("/count-white-pixels", (Delegate)backend.HandleAsync);
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        backend.BaseAddress = new Uri(address);
        return backend;
    }

    /// <summary>Holds every request that arrives until the returned handle is disposed.</summary>
    public IDisposable Hold()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _hold = hold;
        return new Release(() =>
        {
            _hold = null;
            hold.TrySetResult();
        });
    }

    /// <summary>Waits until <paramref name="count"/> requests are in flight.</summary>
    public async Task WaitForInFlightAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (InFlight < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{InFlight} requests in flight at the backend, expected {count}.");
            }

            await Task.Delay(20);
        }
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _started);
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = null;
            }

            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            long length = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                length += read;
            }

            if (_hold is { } hold)
            {
                await hold.Task.WaitAsync(context.RequestAborted);
            }

            if (Overloaded)
            {
                Interlocked.Increment(ref _refusedOverloaded);
                context.Response.Headers.RetryAfter = "1";
                return Results.Problem(ProblemTypes.Overloaded.Create("The fake backend is full."));
            }

            _received.Enqueue(new ReceivedRequest(
                context.Request.Path,
                length,
                Convert.ToHexString(sha.GetHashAndReset()),
                context.Request.ContentLength,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            return Results.Json(new { white_pixel_count = 0, width = 1, height = 1, format = "fake" });
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _hold?.TrySetResult();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }

    private sealed class Release(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
