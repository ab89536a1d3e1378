using System.Diagnostics;
using System.IO.Pipelines;
using System.Security.Cryptography;
using ImageGateway.Backend.Admission;
using ImageGateway.Backend.Counting;
using ImageGateway.Backend.Metrics;
using ImageGateway.Backend.Tracing;
using ImageGateway.Common.Observability;
using ImageGateway.Common.Problems;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Decoding;

/// <summary>
/// Counts one upload in a decode worker. The body goes from Kestrel's buffers into a free worker's
/// pipe as it arrives, hashed on the way (SHA-256, for the poison memory), its bytes reserved from the
/// budget as today (the Content-Length at once, each growth when chunked), so the server's heap never
/// holds it and the budget accounts each byte once. Then: a remembered poison upload is refused; the
/// worker reads the headers (the header model) and answers the facts or a refusal; the decode cost is
/// reserved (admission); the worker decodes under an image-memory limit equal to that reservation and
/// a deadline; a worker that crashes or passes its deadline makes the upload poison (422, remembered),
/// one the kernel OOM-killed makes it a 503 (retrying can succeed).
/// </summary>
public sealed class UploadDecoder(
    DecodeWorkerPool pool,
    PoisonUploads poison,
    DecodeDeadlines deadlines,
    DecodeWorkerMetrics metrics,
    BackendMetrics backendMetrics,
    IOptions<DecodingOptions> options)
{
    /// <summary>What a body without a Content-Length reserves first; it doubles as it grows.</summary>
    public const int InitialUnknownLengthBytes = 64 * 1024;

    private static readonly ReadOnlyMemory<byte> IdentifyFrame = new PayloadWriter().Frame(WorkerOp.Identify);
    private static readonly ReadOnlyMemory<byte> DiscardFrame = new PayloadWriter().Frame(WorkerOp.Discard);

    /// <summary>Counts the upload whose body <paramref name="body"/> reads, within <paramref name="reservation"/>.</summary>
    /// <exception cref="ImageRejectedException">A 4xx answer: empty, too large, not an image, corrupt, poison...</exception>
    /// <exception cref="AdmissionRefusedException">No budget or no worker in time (503), or never fits (422).</exception>
    /// <exception cref="WorkerUnavailableException">The worker had no memory, or was OOM-killed (503).</exception>
    public async Task<DecodedUpload> CountAsync(PipeReader body, long? contentLength, long maxBodyBytes, DecodeAdmission.Reservation reservation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(reservation);
        if (contentLength > maxBodyBytes)
        {
            throw TooLarge(maxBodyBytes, $"Content-Length is {contentLength} bytes");
        }

        if (contentLength == 0)
        {
            throw Empty();
        }

        using var rental = await pool.RentAsync(reservation.TimeLeft, cancellationToken);
        var stage = Stage.Body;
        try
        {
            var (hash, length) = await SendBodyAsync(rental, body, contentLength, maxBodyBytes, reservation, cancellationToken);
            if (poison.Contains(hash, out var since, out var why))
            {
                metrics.PoisonRefused(WorkerEnd.None);
                throw new ImageRejectedException(ProblemTypes.PoisonImage,
                    $"This exact body (SHA-256 {hash}...) {What(why)} at {since:yyyy-MM-dd HH:mm:ss}Z; it is refused without decoding for {options.Value.PoisonLifetime.TotalMinutes:0.#} minutes after that.");
            }

            stage = Stage.Identify;
            var facts = await IdentifyAsync(rental, hash, length);
            stage = Stage.Identified;
            await reservation.AddAsync(facts.DecodeCost, $"decoding this {facts.Width}x{facts.Height} {facts.Format} image", cancellationToken);
            var deadline = deadlines.ForDecode(facts.Format, (long)facts.Width * facts.Height, facts.Passes);
            stage = Stage.Decode;
            var started = Stopwatch.GetTimestamp();
            using var activity = DecodeActivity(facts);
            using (backendMetrics.DecodeStarted())
            {
                try
                {
                    var decoded = await DecodeAsync(rental, hash, facts, deadline);
                    backendMetrics.Decoded(decoded.Result.Format, Stopwatch.GetElapsedTime(started));
                    activity?.SetTag("image_gateway.decode_worker.cpu_time", decoded.CpuTime.TotalSeconds);
                    activity?.SetTag("image_gateway.decode_worker.image_memory.peak", decoded.ImageMemoryPeakBytes);
                    return decoded;
                }
                catch (ImageRejectedException ex) when (Failed(activity, TelemetryAttributes.Reason(ex.Problem.Type)))
                {
                    throw; // never reached: the filter only marks the span
                }
                catch (WorkerUnavailableException) when (Failed(activity, "worker-unavailable"))
                {
                    throw; // never reached: the filter only marks the span
                }
            }
        }
        finally
        {
            // The worker forgets the body by itself once it has answered (or it is gone); before
            // that (413, a refusal by admission, a client gone) it is told to, so its memory goes
            // back before this upload's reservation does.
            if (stage is Stage.Body or Stage.Identified && !rental.Worker.HasExited)
            {
                Discard(rental);
            }
        }
    }

    /// <summary>
    /// The <c>decode</c> span: the worker's decode and count, as the server waits for it (the worker
    /// process exports no spans of its own), with the image facts the worker's header model read.
    /// </summary>
    private static Activity? DecodeActivity(IdentifiedImage facts)
    {
        var activity = BackendActivities.Source.StartActivity("decode");
        if (activity is not null)
        {
            activity.SetTag(TelemetryAttributes.ImageFormat, facts.Format);
            activity.SetTag(TelemetryAttributes.ImageWidth, facts.Width);
            activity.SetTag(TelemetryAttributes.ImageHeight, facts.Height);
            activity.SetTag("image_gateway.decode.passes", facts.Passes);
        }

        return activity;
    }

    /// <summary>Marks the span failed; false, so that as an exception filter it never catches.</summary>
    private static bool Failed(Activity? activity, string reason)
    {
        activity?.SetTag(TelemetryAttributes.ErrorType, reason);
        activity?.SetStatus(ActivityStatusCode.Error, reason);
        return false;
    }

    /// <summary>Where the conversation with the worker is; Identify and Decode end with the worker having forgotten the body.</summary>
    private enum Stage
    {
        Body,
        Identify,
        Identified,
        Decode,
    }

    private static void Discard(WorkerRental rental)
    {
        try
        {
            rental.Send(DiscardFrame);
        }
        catch (WorkerDiedException)
        {
            // Gone already; the pool replaces it.
        }
    }

    private async Task<(BodyHash Hash, long Length)> SendBodyAsync(WorkerRental rental, PipeReader reader, long? contentLength, long maxBytes, DecodeAdmission.Reservation reservation, CancellationToken cancellationToken)
    {
        var capacity = contentLength ?? Math.Min(InitialUnknownLengthBytes, maxBytes);
        await reservation.AddAsync(capacity, "the request body", cancellationToken);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            rental.Send(new PayloadWriter().Int64(capacity).Frame(WorkerOp.BodyStart));
            long length = 0;
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var data = result.Buffer;
                if (length + data.Length > maxBytes)
                {
                    throw TooLarge(maxBytes, $"the body is more than {maxBytes} bytes");
                }

                if (length + data.Length > capacity)
                {
                    // Only without a Content-Length (Kestrel holds a body to its announced length).
                    var larger = Math.Min(maxBytes, Math.Max(capacity * 2, length + data.Length));
                    await reservation.AddAsync(larger, "the request body", cancellationToken);
                    rental.Send(new PayloadWriter().Int64(larger).Frame(WorkerOp.BodyGrow));
                    capacity = larger;
                }

                if (!data.IsEmpty)
                {
                    foreach (var segment in data)
                    {
                        sha256.AppendData(segment.Span);
                    }

                    // Whole frames only (no cancellation inside one), so the worker never falls out of step.
                    rental.Worker.WriteBody(data);
                    length += data.Length;
                }

                reader.AdvanceTo(data.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            return length == 0 ? throw Empty() : (BodyHash.From(sha256.GetHashAndReset()), length);
        }
        catch (WorkerDiedException)
        {
            // Lost before it saw the whole body: nothing this upload did can have caused it.
            var end = await rental.EndAsync();
            throw new WorkerUnavailableException($"The decode worker was lost ({DecodeWorkerMetrics.ErrorType(end)}) while it received the body; retry shortly.");
        }
    }

    private async Task<IdentifiedImage> IdentifyAsync(WorkerRental rental, BodyHash hash, long length)
    {
        var (op, payload) = await AskAsync(rental, IdentifyFrame, deadlines.ForIdentify(length), hash, "reading its header");
        switch (op)
        {
            case WorkerOp.Facts:
                var reader = new PayloadReader(payload);
                return new IdentifiedImage(reader.Int64(), reader.Int32(), reader.Int32(), reader.Int32(), reader.String());
            default:
                throw Unsuccessful(op, payload, null);
        }
    }

    private async Task<DecodedUpload> DecodeAsync(WorkerRental rental, BodyHash hash, IdentifiedImage facts, Deadline deadline)
    {
        var frame = new PayloadWriter().Int64(facts.DecodeCost).Frame(WorkerOp.Decode);
        var (op, payload) = await AskAsync(rental, frame, deadline, hash, $"decoding this {facts.Width}x{facts.Height} {facts.Format} image");
        if (op != WorkerOp.Counted)
        {
            throw Unsuccessful(op, payload, facts.Format);
        }

        var reader = new PayloadReader(payload);
        var result = new CountResult(reader.Int64(), reader.Int32(), reader.Int32(), reader.String());
        var decoded = new DecodedUpload(result, reader.Int64(), TimeSpan.FromMicroseconds(reader.Int64()), deadline.Cpu, facts.Passes);
        metrics.Decoded(decoded);
        return decoded;
    }

    /// <summary>One exchange; a worker that ends instead of answering is classified: poison (crash, deadline) or lost (OOM kill, shutdown).</summary>
    private async Task<(WorkerOp Op, byte[] Payload)> AskAsync(WorkerRental rental, ReadOnlyMemory<byte> frame, Deadline deadline, BodyHash hash, string doing)
    {
        try
        {
            return await rental.AskAsync(frame, deadline);
        }
        catch (WorkerDiedException)
        {
            var end = await rental.EndAsync();
            switch (end)
            {
                case WorkerEnd.Deadline or WorkerEnd.Crash:
                    poison.Remember(hash, end);
                    metrics.PoisonRefused(end);
                    throw new ImageRejectedException(ProblemTypes.PoisonImage,
                        end == WorkerEnd.Deadline
                            ? $"The decode worker was still {doing} when it had used its deadline of {deadline.Cpu.TotalSeconds:0.###} s of CPU time, and was stopped; this body is remembered (SHA-256 {hash}...) and refused without decoding for {options.Value.PoisonLifetime.TotalMinutes:0.#} minutes. Do not retry it."
                            : $"The decode worker crashed while {doing}; this body is remembered (SHA-256 {hash}...) and refused without decoding for {options.Value.PoisonLifetime.TotalMinutes:0.#} minutes. Do not retry it.");
                default:
                    throw new WorkerUnavailableException(end switch
                    {
                        WorkerEnd.OutOfMemory => $"The container ran out of memory while {doing} and the kernel stopped the decode worker; retry shortly.",
                        WorkerEnd.Stalled => $"The decode worker was still {doing} after {deadline.Wall.TotalSeconds:0.#} s without using its CPU deadline (the backend is overloaded) and was stopped; retry shortly.",
                        _ => $"The decode worker stopped ({DecodeWorkerMetrics.ErrorType(end)}) while {doing}; retry shortly.",
                    });
            }
        }
    }

    private Exception Unsuccessful(WorkerOp op, byte[] payload, string? format)
    {
        var reader = new PayloadReader(payload);
        switch (op)
        {
            case WorkerOp.Refused:
                var type = reader.String();
                var detail = reader.String();
                var peak = reader.Int64();
                if (format is not null)
                {
                    metrics.ImageMemoryPeak(format, peak);
                }

                return new ImageRejectedException(WorkerProblems.Find(type), detail);
            case WorkerOp.OutOfMemory:
                return new WorkerUnavailableException(reader.String() + " Retry shortly.");
            default:
                return new WorkerUnavailableException($"The decode worker answered {op} out of turn; retry shortly.");
        }
    }

    private static string What(WorkerEnd why) => why == WorkerEnd.Deadline ? "ran past its decode deadline" : "crashed a decode worker";

    private static ImageRejectedException TooLarge(long maxBytes, string seen) =>
        new(ProblemTypes.BodyTooLarge, $"The body limit is {maxBytes} bytes; {seen}.");

    private static ImageRejectedException Empty() =>
        new(ProblemTypes.EmptyBody, "The request body is empty; send the image bytes as the body.");

    /// <summary>What the worker's header model answered: the decode cost to reserve and what the deadline depends on.</summary>
    private sealed record IdentifiedImage(long DecodeCost, int Width, int Height, int Passes, string Format);
}

/// <summary>A counted upload: the answer, and what its decode cost (image memory at its peak, CPU time, against its deadline).</summary>
public sealed record DecodedUpload(CountResult Result, long ImageMemoryPeakBytes, TimeSpan CpuTime, TimeSpan CpuDeadline, int Passes);

/// <summary>The problem types a worker may answer with, found by their stable type URI.</summary>
internal static class WorkerProblems
{
    private static readonly ProblemType[] Known =
    [
        ProblemTypes.EmptyBody, ProblemTypes.BodyTooLarge, ProblemTypes.NotAnImage, ProblemTypes.UnsupportedFormat,
        ProblemTypes.CorruptImage, ProblemTypes.ImageTooLarge, ProblemTypes.ImageTooComplex, ProblemTypes.PoisonImage,
    ];

    /// <summary>The catalogue's type for <paramref name="type"/>; an unknown one (a worker out of step) is corrupt-image.</summary>
    public static ProblemType Find(string type) => Known.FirstOrDefault(p => p.Type == type) ?? ProblemTypes.CorruptImage;
}

/// <summary>The upload could not be decoded now for a reason retrying can fix (503 with Retry-After).</summary>
public sealed class WorkerUnavailableException(string detail) : Exception(detail);
