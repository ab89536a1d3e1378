using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImageGateway.Gateway.Benchmarks;

/// <summary>
/// A backend that costs nothing: reads the body and answers 200, so what is measured is the path
/// to it. Optionally slow: a fixed delay per request, or a cap on how fast it reads a body.
/// </summary>
internal sealed class SinkBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _requests;

    private SinkBackend(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public long Requests => Interlocked.Read(ref _requests);

    public int InFlight;

    public static async Task<SinkBackend> StartAsync(TimeSpan delay = default, long readBytesPerSecond = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = null;
            k.Limits.MinRequestBodyDataRate = null;
        });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var sink = new SinkBackend(app);
        app.MapGet("/health/ready", () => Results.Ok());
        app.MapGet("/health/live", () => Results.Ok());
        app.MapPost("/count-white-pixels", async (HttpContext context) =>
        {
            Interlocked.Increment(ref sink.InFlight);
            try
            {
                var buffer = new byte[64 * 1024];
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    if (readBytesPerSecond > 0)
                    {
                        await Task.Delay(TimeSpan.FromSeconds((double)read / readBytesPerSecond), context.RequestAborted);
                    }
                }

                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, context.RequestAborted);
                }

                Interlocked.Increment(ref sink._requests);
                return Results.Json(new { white_pixel_count = 0, width = 1, height = 1, format = "png" });
            }
            finally
            {
                Interlocked.Decrement(ref sink.InFlight);
            }
        });
        await app.StartAsync();
        sink.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return sink;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}
