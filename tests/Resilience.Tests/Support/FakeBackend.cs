using ImageGateway.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace ImageGateway.Resilience.Tests.Support;

/// <summary>
/// A stand-in backend on real Kestrel whose readiness the test sets, as a full backend's would be, and
/// which counts the uploads it gets. It answers uploads with a fixed count; only routing is under test.
/// </summary>
public sealed class FakeBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _uploads;
    private volatile bool _ready = true;

    private FakeBackend(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Uploads received so far.</summary>
    public int Uploads => Volatile.Read(ref _uploads);

    /// <summary>What <c>/health/ready</c> reports: 200 when true, 503 when false.</summary>
    public bool Ready
    {
        get => _ready;
        set => _ready = value;
    }

    public static async Task<FakeBackend> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort.Get()}");
        builder.WebHost.UseUrls(baseAddress.ToString());
        var app = builder.Build();
        var fake = new FakeBackend(app, baseAddress);
        app.MapGet("/health/live", () => Results.Ok());
        app.MapGet("/health/ready", () => fake.Ready ? Results.Ok() : Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        app.MapPost("/count-white-pixels", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            Interlocked.Increment(ref fake._uploads);
            return Results.Json(new { white_pixel_count = 0, width = 1, height = 1, format = "png" });
        });
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await _app.DisposeAsync();
    }
}
