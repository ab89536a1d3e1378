using System.Diagnostics;
using ImageGateway.Backend.Decoding;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.Common.Problems;
using ImageGateway.TestSupport;

namespace ImageGateway.Fuzzing;

/// <summary>How the decode worker answered one body.</summary>
internal enum DecodeOutcome
{
    /// <summary>Decoded and counted (the backend's 200).</summary>
    Counted,

    /// <summary>A definite refusal with its problem type (header model, image-data step or decoder).</summary>
    Refused,

    /// <summary>Refused by the backend's own check that the decoded frame is what the facts said: the header model was wrong.</summary>
    NotWhatHeaderSays,

    /// <summary>Refused because the decode asked for more image memory than its reservation: the decode cost was wrong.</summary>
    OverReservation,

    /// <summary>The decode ran out of memory (the backend's 503).</summary>
    OutOfMemory,

    /// <summary>An exception the backend does not turn into a 4xx (its 500).</summary>
    Error,

    /// <summary>No answer within the deadline; the child was killed.</summary>
    Hung,

    /// <summary>The child died while decoding.</summary>
    Crashed,
}

/// <summary>The decode worker's answer; the figures are those of a <see cref="DecodeOutcome.Counted"/> answer.</summary>
internal sealed record DecodeAnswer(DecodeOutcome Outcome, int Width = 0, int Height = 0, long White = 0, long AllocatorPeak = -1, int Status = 0, string Detail = "")
{
    public override string ToString() => Outcome switch
    {
        DecodeOutcome.Counted => $"counted {Width}x{Height}, {White} white, allocator peak {AllocatorPeak}",
        DecodeOutcome.Refused => $"refused {Status} ({Detail})",
        _ => $"{Outcome} ({Detail})",
    };
}

/// <summary>
/// The decode step in the backend's own decode worker (issue 11; docs/backend.md): the backend's
/// build output started with <c>--decode-worker</c>, spoken to over its frame protocol
/// (<see cref="WorkerProtocol"/>) exactly as the backend's worker pool does: the body, Identify
/// (the header model on the whole body, the decode cost), then Decode under an image-memory job
/// limit equal to that cost (the reservation), answered with the count and the allocator's peak.
/// A worker that passes the deadline is killed, one that dies is replaced: a hang or a crash costs
/// the fuzzer a restart.
/// </summary>
internal sealed class DecodeWorkerClient : IDisposable
{
    /// <summary>What the worker says when an allocation crossed the job limit (<c>WorkerLoop.DecodeBody</c>).</summary>
    private const string OverReservation = "than this image's header promised";

    private const string NotWhatHeaderSays = "The image is not what its header says";

    private Process? _process;

    /// <summary>How many times a worker was started (the first start included).</summary>
    public int Starts { get; private set; }

    /// <summary>Decodes <paramref name="body"/>; kills the worker and answers <see cref="DecodeOutcome.Hung"/> after <paramref name="deadline"/>.</summary>
    public DecodeAnswer Decode(byte[] body, TimeSpan deadline)
    {
        var process = _process is { HasExited: false } running ? running : _process = Start();
        try
        {
            var input = process.StandardInput.BaseStream;
            Send(input, WorkerOp.BodyStart, new PayloadWriter().Int64(body.Length).Written);
            Send(input, WorkerOp.BodyData, body);
            Send(input, WorkerOp.Identify, []);
            if (Receive(process, deadline) is not var (op, payload))
            {
                return Lost(process, deadline);
            }

            if (op != WorkerOp.Facts)
            {
                return Answer(op, payload);
            }

            var cost = new PayloadReader(payload).Int64();
            Send(input, WorkerOp.Decode, new PayloadWriter().Int64(cost).Written);
            return Receive(process, deadline) is var (decodeOp, decodePayload) ? Answer(decodeOp, decodePayload) : Lost(process, deadline);
        }
        catch (IOException ex)
        {
            Stop();
            return new DecodeAnswer(DecodeOutcome.Crashed, Detail: $"the worker's pipe broke: {ex.Message}");
        }
    }

    public void Dispose() => Stop();

    private static DecodeAnswer Answer(WorkerOp op, byte[] payload)
    {
        var reader = new PayloadReader(payload);
        switch (op)
        {
            case WorkerOp.Counted:
            {
                var white = reader.Int64();
                var width = reader.Int32();
                var height = reader.Int32();
                reader.String();
                return new DecodeAnswer(DecodeOutcome.Counted, width, height, white, reader.Int64(), 200);
            }

            case WorkerOp.Refused:
            {
                var type = reader.String();
                var detail = reader.String();
                var peak = reader.Int64();
                var status = ProblemTypes.All.FirstOrDefault(p => p.Type == type)?.Status ?? 500;
                var outcome = detail.Contains(OverReservation, StringComparison.Ordinal) ? DecodeOutcome.OverReservation
                    : detail.StartsWith(NotWhatHeaderSays, StringComparison.Ordinal) ? DecodeOutcome.NotWhatHeaderSays
                    : DecodeOutcome.Refused;
                return new DecodeAnswer(outcome, AllocatorPeak: peak, Status: status, Detail: $"{type} {detail}");
            }

            case WorkerOp.OutOfMemory:
                return new DecodeAnswer(DecodeOutcome.OutOfMemory, Status: 503, Detail: reader.String());
            default:
                return new DecodeAnswer(DecodeOutcome.Crashed, Detail: $"unexpected answer {op}");
        }
    }

    private DecodeAnswer Lost(Process process, TimeSpan deadline)
    {
        var exited = process.HasExited;
        var code = exited ? process.ExitCode : 0;
        Stop();
        return exited
            ? new DecodeAnswer(DecodeOutcome.Crashed, Detail: $"the worker exited with {code}")
            : new DecodeAnswer(DecodeOutcome.Hung, Detail: $"no answer within {deadline.TotalSeconds:0.#} s");
    }

    private static void Send(Stream input, WorkerOp op, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[WorkerProtocol.HeaderBytes];
        WorkerProtocol.WriteHeader(header, op, payload.Length);
        input.Write(header);
        input.Write(payload);
        input.Flush();
    }

    /// <summary>One answer frame, or null when none came within <paramref name="deadline"/> or the worker's stdout ended.</summary>
    private static (WorkerOp Op, byte[] Payload)? Receive(Process process, TimeSpan deadline)
    {
        var output = process.StandardOutput.BaseStream;
        var read = Task.Run(async () =>
        {
            var header = new byte[WorkerProtocol.HeaderBytes];
            await output.ReadExactlyAsync(header);
            var (op, length) = WorkerProtocol.ReadHeader(header);
            var payload = new byte[length];
            await output.ReadExactlyAsync(payload);
            return (op, payload);
        });
        try
        {
            return read.Wait(deadline) ? read.Result : null;
        }
        catch (AggregateException ex) when (ex.InnerException is EndOfStreamException or IOException)
        {
            return null;
        }
    }

    private Process Start()
    {
        Starts++;
        var configuration = Stack.Configuration(typeof(DecodeWorkerClient).Assembly);
        var backend = Stack.BackendAssembly(configuration);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(backend)!,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(backend);
        info.ArgumentList.Add(WorkerProtocol.WorkerFlag);
        var process = Process.Start(info) ?? throw new InvalidOperationException("The decode worker did not start.");
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginErrorReadLine();
        var limits = UploadLimits.Default;
        Send(process.StandardInput.BaseStream, WorkerOp.Configure, new PayloadWriter().Int32(limits.MaxWidth).Int32(limits.MaxHeight).Int64(limits.MaxPixels).Written);
        if (Receive(process, TimeSpan.FromMinutes(1)) is not (WorkerOp.Ready, _))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"The decode worker ({backend}) did not become ready.");
        }

        return process;
    }

    private void Stop()
    {
        if (_process is { } process)
        {
            _process = null;
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }
    }
}
