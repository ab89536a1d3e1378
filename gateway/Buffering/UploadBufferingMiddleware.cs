using System.Diagnostics.Metrics;
using ImageGateway.Gateway.Inspection;
using ImageGateway.Gateway.Observability;
using ImageGateway.Gateway.Server;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Buffering;

/// <summary>
/// After the inspection accepted an upload: receives a body of at most
/// <see cref="BufferingOptions.MaxBodyBytes"/> whole into the <see cref="BufferPool"/> before it asks
/// for capacity, as nginx's request buffering protects its upstreams: a phone sending 1 MiB at
/// 40 KiB/s holds 1 MiB of gateway memory for 25 s instead of a backend's decode budget. The
/// forwarder then reads the pooled copy (and can read it again for a retry). Larger or chunked
/// bodies, and bodies that do not fit in what is left of the pool, stream as they arrive (under the
/// minimum data rate), holding only their peeked prefix while they wait for capacity. So does an
/// upload that dispatch would shed for its expected wait: it is shed without its body being received.
/// </summary>
internal sealed class UploadBufferingMiddleware
{
    private readonly RequestDelegate _next;
    private readonly BufferPool _pool;
    private readonly IShedForecast _shedForecast;
    private readonly long _maxBodyBytes;
    private readonly ILogger<UploadBufferingMiddleware> _logger;
    private readonly Counter<long> _uploads;

    public UploadBufferingMiddleware(RequestDelegate next, BufferPool pool, IShedForecast shedForecast, IOptions<BufferingOptions> options, IMeterFactory meterFactory, ILogger<UploadBufferingMiddleware> logger)
    {
        _next = next;
        _pool = pool;
        _shedForecast = shedForecast;
        _maxBodyBytes = options.Value.MaxBodyBytes;
        _logger = logger;
        var meter = meterFactory.Create(GatewayMetrics.MeterName);
        _uploads = meter.CreateCounter<long>("image_gateway.buffering.uploads", "{upload}",
            "Accepted uploads by how their body went on (buffering.outcome: buffered, streamed, pool-full, shed-first).");
        meter.CreateObservableUpDownCounter("image_gateway.buffering.pool.usage", () => pool.ReservedBytes, "By", "Bytes of the buffer pool reserved by uploads.");
        meter.CreateObservableUpDownCounter("image_gateway.buffering.pool.limit", () => pool.LimitBytes, "By", "The buffer pool's bound.");
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<InspectedUpload>() is not { } upload)
        {
            return _next(context);
        }

        if (context.Request.ContentLength is not (> 0 and var length) || length > _maxBodyBytes)
        {
            Count("streamed");
            return _next(context);
        }

        if (context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Cluster is { } cluster
            && _shedForecast.WouldShed(upload.BodyBytes + upload.DecodeBytes, cluster.DestinationsState.AvailableDestinations))
        {
            Count("shed-first");
            return _next(context); // dispatch sheds it (or, if room appeared meanwhile, it streams)
        }

        if (_pool.TryReserve(length) is not { } body)
        {
            Count("pool-full");
            BufferingLog.PoolFull(_logger, length, _pool.ReservedBytes, _pool.LimitBytes);
            return _next(context);
        }

        return BufferAsync(context, body);
    }

    private async Task BufferAsync(HttpContext context, PooledBody body)
    {
        context.Response.RegisterForDispose(body);
        var reader = context.Request.BodyReader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(context.RequestAborted);
                foreach (var segment in result.Buffer)
                {
                    body.Append(segment.Span);
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            return; // the client went away mid-upload; there is nobody to answer
        }
        catch (BadHttpRequestException ex)
        {
            // Cut by the minimum data rate, or the body ended short: Kestrel's status, as problem+json by the status-code pages.
            BufferingLog.BodyFailed(_logger, ex.StatusCode, ex.Message);
            context.Response.CloseConnectionAfterResponse();
            context.Response.StatusCode = ex.StatusCode;
            return;
        }

        Count("buffered");
        context.Request.Body = body;
        context.Features.Set(new BufferedUpload(body));
        await _next(context);
    }

    private void Count(string outcome)
    {
        if (_uploads.Enabled)
        {
            _uploads.Add(1, new KeyValuePair<string, object?>("buffering.outcome", outcome));
        }
    }
}

internal static partial class BufferingLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information,
        Message = "Buffering: bodies up to {MaxBodyBytes} bytes are received whole into a pool of {PoolBytes} bytes before dispatch")]
    public static partial void Settings(ILogger logger, long maxBodyBytes, long poolBytes);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information,
        Message = "Buffer pool full ({ReservedBytes} of {LimitBytes} bytes); this {BodyBytes}-byte upload streams instead")]
    public static partial void PoolFull(ILogger logger, long bodyBytes, long reservedBytes, long limitBytes);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "Upload body failed while buffering ({Status}): {Reason}")]
    public static partial void BodyFailed(ILogger logger, int status, string reason);
}
