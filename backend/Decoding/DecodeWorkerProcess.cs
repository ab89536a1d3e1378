using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using ImageGateway.Backend.Counting;
using ImageGateway.Backend.Memory;
using ImageGateway.Common.Imaging;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.Common.Problems;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Decoding;

/// <summary>
/// The backend binary started with <see cref="WorkerProtocol.WorkerFlag"/>: a decode worker. It
/// decodes one upload at a time for the server that started it, talking <see cref="WorkerProtocol"/>
/// over stdin and stdout, and never builds the ASP.NET host (its memory must stay small: a worker
/// at rest is a few MiB). It makes itself the kernel's first choice under memory pressure
/// (<c>oom_score_adj</c> 1000), so a cgroup OOM kill takes a worker and never the server. It exits
/// when stdin closes, and kills itself when the server is gone while it decodes, so a decode that
/// never ends cannot outlive the server that could have killed it.
/// </summary>
public static class DecodeWorkerProcess
{
    /// <summary>When <paramref name="args"/> ask for a worker, runs it until stdin closes and ends the process.</summary>
    public static void ExitIfRequested(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (Array.IndexOf(args, WorkerProtocol.WorkerFlag) < 0)
        {
            return;
        }

        Environment.Exit(Run());
    }

    private static int Run()
    {
        BecomeFirstOomVictim();
        try
        {
            // A limit the runtime ignored (Native AOT ignores a 0x prefix) would let one decode take the container.
            GcHeapHardLimit.CheckInForce(
                Environment.GetEnvironmentVariable(GcHeapHardLimit.Variable), GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

            using var input = Console.OpenStandardInput();
            using var output = Console.OpenStandardOutput();
            new WorkerLoop(input, output, TestFaults.FromEnvironment()).Run();
            return 0;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or InvalidOperationException)
        {
            Console.Error.WriteLine($"decode worker {Environment.ProcessId}: {ex.Message}");
            return 1;
        }
    }

    /// <summary>
    /// 1000 is the most a process can raise itself to without privilege: under memory pressure in the
    /// container, the kernel kills a worker (one request lost, answered 503) before the server.
    /// </summary>
    private static void BecomeFirstOomVictim()
    {
        try
        {
            File.WriteAllText("/proc/self/oom_score_adj", "1000");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or /proc is not writable: nothing to adjust.
        }
    }
}

/// <summary>One worker's conversation with its server: frames in, answers out, one upload at a time.</summary>
internal sealed class WorkerLoop(Stream input, Stream output, TestFaults faults)
{
    /// <summary>
    /// After a job whose body and image memory together passed this, the worker collects its heap
    /// aggressively, giving the pages back to the container: a worker at rest then holds only a few
    /// MiB, and the sum of the workers' memory follows the sum of the reservations instead of every
    /// worker keeping its largest decode's high-water mark (docs/backend.md has the measurement).
    /// </summary>
    internal const long CollectAfterBytes = 1024 * 1024;

    private readonly byte[] _header = new byte[WorkerProtocol.HeaderBytes];
    private readonly byte[] _control = new byte[WorkerProtocol.MaxControlPayloadBytes];
    private readonly PayloadWriter _answer = new();
    private readonly GcImageAllocator _allocator = new(long.MaxValue);
    private ImageCounter? _counter;
    private byte[]? _body;
    private int _length;
    private bool _bodyOutOfMemory;
    private ImageFacts? _facts;

    public void Run()
    {
        while (ReadHeader() is var (op, length))
        {
            switch (op)
            {
                case WorkerOp.Configure:
                    Configure(Control(length));
                    break;
                case WorkerOp.BodyStart:
                    Forget();
                    Allocate(new PayloadReader(Control(length)).Int64());
                    break;
                case WorkerOp.BodyGrow:
                    Allocate(new PayloadReader(Control(length)).Int64());
                    break;
                case WorkerOp.BodyData:
                    ReceiveData(length);
                    break;
                case WorkerOp.Identify:
                    Control(length);
                    Identify();
                    break;
                case WorkerOp.Decode:
                    Decode(new PayloadReader(Control(length)).Int64());
                    break;
                case WorkerOp.Discard:
                    Control(length);
                    Release();
                    break;
                default:
                    throw new InvalidDataException($"Unknown operation 0x{(byte)op:X2} from the server.");
            }
        }
    }

    private void Configure(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var options = new CountingOptions { MaxWidth = reader.Int32(), MaxHeight = reader.Int32(), MaxPixels = reader.Int64() };
        _counter = new ImageCounter(Options.Create(options), _allocator);
        Answer(WorkerOp.Ready, _answer.Reset().Int32(WorkerProtocol.Version).Int32(Environment.ProcessId));
    }

    /// <summary>Sizes the body's array to what the server reserved for it, keeping what arrived.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Allocate(long capacity)
    {
        if (_bodyOutOfMemory)
        {
            return;
        }

        if (capacity < 0 || capacity > Array.MaxLength)
        {
            throw new InvalidDataException($"A body capacity of {capacity} bytes.");
        }

        try
        {
            var grown = GC.AllocateUninitializedArray<byte>((int)capacity);
            _body?.AsSpan(0, _length).CopyTo(grown);
            _body = grown;
        }
        catch (OutOfMemoryException)
        {
            // Told at Identify; the data that follows is read and dropped to stay in step.
            _bodyOutOfMemory = true;
            _body = null;
        }
    }

    private void ReceiveData(int length)
    {
        if (_bodyOutOfMemory || _body is null)
        {
            Skip(length);
            return;
        }

        if (_length + length > _body.Length)
        {
            throw new InvalidDataException($"Body data beyond the {_body.Length} bytes reserved for it.");
        }

        input.ReadExactly(_body, _length, length);
        _length += length;
    }

    /// <summary>Runs the header model; on a refusal the body is released before the answer goes out.</summary>
    private void Identify()
    {
        var op = IdentifyBody();
        if (op != WorkerOp.Facts)
        {
            Release();
        }

        Answer(op, _answer);
    }

    /// <summary>
    /// Decodes and counts under <paramref name="limitBytes"/> of image memory. Memory first, answer
    /// second: the server frees this upload's reservation when the answer comes, so by then the body
    /// and the image memory must be back with the container.
    /// </summary>
    private void Decode(long limitBytes)
    {
        var op = DecodeBody(limitBytes);
        Release(_allocator.JobPeakBytes);
        Answer(op, _answer);
    }

    // The body is read in these two methods only, so no local of the caller keeps it alive when
    // Release collects (a local holding it lives, for the GC, until its method returns).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private WorkerOp IdentifyBody()
    {
        var counter = _counter ?? throw new InvalidDataException("Identify before Configure.");
        if (_bodyOutOfMemory)
        {
            _answer.Reset().String("The worker had no memory for the body.").Int64(-1);
            return WorkerOp.OutOfMemory;
        }

        var body = Body;
        faults.Trigger(body.Span, TestFaults.Phase.Identify);
        try
        {
            var facts = faults.IsFault(body.Span) ? TestFaults.Facts : counter.Identify(body);
            _facts = facts;
            _answer.Reset()
                .Int64(DecodeCostEstimator.Estimate(facts, body.Length))
                .Int32(facts.Width)
                .Int32(facts.Height)
                .Int32(facts.DecodePasses)
                .String(facts.Format);
            return WorkerOp.Facts;
        }
        catch (ImageRejectedException ex)
        {
            _answer.Reset().String(ex.Problem.Type).String(ex.Message).Int64(-1);
            return WorkerOp.Refused;
        }
        catch (OutOfMemoryException)
        {
            // Reading headers of a body the heap already holds needs little; a decoder that asks for
            // more than the whole heap is reading a length the bytes do not have.
            _answer.Reset()
                .String(ProblemTypes.CorruptImage.Type)
                .String($"Reading this image's header needs more memory than a decode worker's whole heap ({GC.GetGCMemoryInfo().TotalAvailableMemoryBytes} bytes); the image is not what its header says.")
                .Int64(-1);
            return WorkerOp.Refused;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private WorkerOp DecodeBody(long limitBytes)
    {
        var counter = _counter ?? throw new InvalidDataException("Decode before Configure.");
        var facts = _facts ?? throw new InvalidDataException("Decode before the body was identified.");
        var body = Body;
        var cpuBefore = Environment.CpuUsage.TotalTime;
        using var watchdog = ServerWatchdog.Start();
        try
        {
            faults.Trigger(body.Span, TestFaults.Phase.Decode);
            var result = faults.IsFault(body.Span) ? new CountResult(0, 1, 1, facts.Format) : CountInAWholeHeap(counter, body, facts, limitBytes);
            _answer.Reset()
                .Int64(result.WhitePixelCount)
                .Int32(result.Width)
                .Int32(result.Height)
                .String(result.Format)
                .Int64(_allocator.JobPeakBytes)
                .Int64((long)(Environment.CpuUsage.TotalTime - cpuBefore).TotalMicroseconds);
            return WorkerOp.Counted;
        }
        catch (ImageRejectedException) when (_allocator.JobLimitExceeded)
        {
            _answer.Reset()
                .String(ProblemTypes.CorruptImage.Type)
                .String($"Decoding needs more memory than this image's header promised: the {facts.Width}x{facts.Height} {facts.Format} image was given {limitBytes} bytes of image memory and asked for more; the image is not what its header says.")
                .Int64(_allocator.JobPeakBytes);
            return WorkerOp.Refused;
        }
        catch (ImageRejectedException ex)
        {
            _answer.Reset().String(ex.Problem.Type).String(ex.Message).Int64(_allocator.JobPeakBytes);
            return WorkerOp.Refused;
        }
        catch (OutOfMemoryException)
        {
            _answer.Reset()
                .String(ProblemTypes.CorruptImage.Type)
                .String($"Decoding this {facts.Width}x{facts.Height} {facts.Format} image needs more memory than a decode worker's whole heap ({GC.GetGCMemoryInfo().TotalAvailableMemoryBytes} bytes), far beyond the {limitBytes} bytes its header promised; the image is not what its header says.")
                .Int64(_allocator.JobPeakBytes);
            return WorkerOp.Refused;
        }
        finally
        {
            _allocator.EndJob();
        }
    }

    /// <summary>
    /// Counts under the job limit. A worker's heap holds one upload (its hard limit is the whole
    /// budget and a reserve, collected clean before each job), so running out of it means the decode
    /// needs more than any reservation could give, not that the backend is busy: it is tried once
    /// more in a freshly collected heap, and a second <see cref="OutOfMemoryException"/> is the image's
    /// (422, never a 503 that retrying cannot help).
    /// </summary>
    private CountResult CountInAWholeHeap(ImageCounter counter, ReadOnlyMemory<byte> body, ImageFacts facts, long limitBytes)
    {
        _allocator.BeginJob(limitBytes);
        try
        {
            return counter.Count(body, facts);
        }
        catch (OutOfMemoryException)
        {
            _allocator.EndJob();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            _allocator.BeginJob(limitBytes);
            return counter.Count(body, facts);
        }
    }

    /// <summary>
    /// Forgets the body and, after a job that held more than <see cref="CollectAfterBytes"/>,
    /// collects aggressively: compacts everything and decommits what is free, so the pages go back
    /// to the container now rather than at this worker's next collection.
    /// </summary>
    private void Release(long imageBytes = 0)
    {
        if (ForgetBody() + imageBytes > CollectAfterBytes)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
    }

    /// <summary>
    /// Forgets the body and says how large it was. A method of its own so no frame that is live when
    /// <see cref="Release"/> collects holds the array (measured: a temporary of <c>_body?.Length</c> in
    /// <see cref="Release"/> itself was a stack root, and the whole body survived every collection).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long ForgetBody()
    {
        var held = _length + (long)(_body?.Length ?? 0);
        Forget();
        return held;
    }

    private ReadOnlyMemory<byte> Body => _body is null ? ReadOnlyMemory<byte>.Empty : _body.AsMemory(0, _length);

    private void Forget()
    {
        _body = null;
        _length = 0;
        _facts = null;
        _bodyOutOfMemory = false;
    }

    private void Answer(WorkerOp op, PayloadWriter payload)
    {
        WorkerProtocol.WriteHeader(_header, op, payload.Length);
        output.Write(_header);
        output.Write(payload.Written);
        output.Flush();
    }

    /// <summary>The next frame's header, or null when the server closed stdin.</summary>
    private (WorkerOp Op, int Length)? ReadHeader()
    {
        var read = input.ReadAtLeast(_header, _header.Length, throwOnEndOfStream: false);
        if (read == 0)
        {
            return null;
        }

        if (read < _header.Length)
        {
            throw new EndOfStreamException("stdin closed inside a frame header.");
        }

        return WorkerProtocol.ReadHeader(_header);
    }

    private ReadOnlySpan<byte> Control(int length)
    {
        if (length > _control.Length)
        {
            throw new InvalidDataException($"A control frame of {length} bytes.");
        }

        input.ReadExactly(_control, 0, length);
        return _control.AsSpan(0, length);
    }

    private void Skip(int length)
    {
        while (length > 0)
        {
            var chunk = Math.Min(length, _control.Length);
            input.ReadExactly(_control, 0, chunk);
            length -= chunk;
        }
    }
}

/// <summary>
/// While a decode runs the worker reads nothing from the server, so it would not notice the server
/// die; a decode that never ends would then spin on with nobody left to kill it. Twice a second,
/// only during a decode, this checks that the parent is still the server that started the worker,
/// and kills the worker otherwise. (Linux's PR_SET_PDEATHSIG would follow the thread that started
/// the worker, and .NET starts processes from pool threads that come and go.)
/// </summary>
internal sealed class ServerWatchdog : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(500);
    private static readonly int? Parent = ReadParent();
    private readonly Timer? _timer;

    private ServerWatchdog(Timer? timer) => _timer = timer;

    public static ServerWatchdog Start() =>
        new(Parent is null ? null : new Timer(static _ => CheckParent(), null, Period, Period));

    public void Dispose() => _timer?.Dispose();

    private static void CheckParent()
    {
        if (ReadParent() != Parent)
        {
            Console.Error.WriteLine($"decode worker {Environment.ProcessId}: the server is gone; stopping the decode.");
            Process.GetCurrentProcess().Kill();
        }
    }

    /// <summary>The parent's pid from <c>/proc/self/stat</c> (the field after the state, after the last ')').</summary>
    private static int? ReadParent()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 3);
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
