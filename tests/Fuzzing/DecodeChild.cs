using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using ImageGateway.Backend.Counting;
using ImageGateway.Common.Imaging;
using ImageGateway.TestSupport;
using Microsoft.Extensions.Options;

namespace ImageGateway.Fuzzing;

/// <summary>How the decode child answered one body.</summary>
internal enum DecodeOutcome
{
    /// <summary>Decoded and counted (the backend's 200).</summary>
    Counted,

    /// <summary>A definite refusal with its problem type (header model, image-data step or decoder).</summary>
    Refused,

    /// <summary>Refused by the backend's own check that the decoded frame is what the facts said: the header model was wrong.</summary>
    NotWhatHeaderSays,

    /// <summary>The decode ran out of memory (the backend's 503).</summary>
    OutOfMemory,

    /// <summary>An exception the backend does not turn into a 4xx (its 500).</summary>
    Error,

    /// <summary>No answer within the deadline; the child was killed.</summary>
    Hung,

    /// <summary>The child died while decoding.</summary>
    Crashed,
}

/// <summary>The decode child's answer; the figures are those of a <see cref="DecodeOutcome.Counted"/> answer.</summary>
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
/// The decode step as a child process that a hang or a crash costs nothing but a restart: it runs
/// the backend's own <see cref="ImageCounter"/> (the header model on the whole body,
/// <c>ImageHeaders.Prepare</c>, ImageSharp with <see cref="SafeImageConfiguration"/> into the white
/// mask, the check of the decoded frame against the facts) over an allocator that measures the
/// decode's peak (<see cref="PeakMemoryAllocator"/>, shaped like the backend's). Bodies go in on stdin
/// (a 32-bit little-endian length, then the bytes); one answer line comes back per body.
/// </summary>
internal sealed class DecodeChild : IDisposable
{
    /// <summary>The argument that starts the fuzzer's executable as a decode child.</summary>
    public const string Flag = "--decode-child";

    private const string NotWhatHeaderSays = "The image is not what its header says";

    private Process? _process;

    /// <summary>How many times a child was started (the first start included).</summary>
    public int Starts { get; private set; }

    /// <summary>Decodes <paramref name="body"/>; kills the child and answers <see cref="DecodeOutcome.Hung"/> after <paramref name="deadline"/>.</summary>
    public DecodeAnswer Decode(byte[] body, TimeSpan deadline)
    {
        var process = _process is { HasExited: false } running ? running : _process = Start();
        try
        {
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, body.Length);
            var input = process.StandardInput.BaseStream;
            input.Write(length);
            input.Write(body);
            input.Flush();
        }
        catch (IOException ex)
        {
            Stop();
            return new DecodeAnswer(DecodeOutcome.Crashed, Detail: $"the child's stdin broke: {ex.Message}");
        }

        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(deadline))
        {
            Stop();
            return new DecodeAnswer(DecodeOutcome.Hung, Detail: $"no answer within {deadline.TotalSeconds:0.#} s");
        }

        if (line.Result is not { } answer)
        {
            var code = process.WaitForExit(5000) ? process.ExitCode : -1;
            Stop();
            return new DecodeAnswer(DecodeOutcome.Crashed, Detail: $"the child exited with {code}");
        }

        return Parse(answer);
    }

    public void Dispose() => Stop();

    /// <summary>The child's side: answers bodies from stdin until it closes.</summary>
    public static int Serve()
    {
        var allocator = new PeakMemoryAllocator();
        var counter = new ImageCounter(Options.Create(new CountingOptions()), allocator);
        var output = Console.Out;
        counter.Count(Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"));
        output.WriteLine("READY");
        output.Flush();
        using var input = Console.OpenStandardInput();
        var header = new byte[4];
        while (ReadExactly(input, header))
        {
            var body = new byte[BinaryPrimitives.ReadInt32LittleEndian(header)];
            if (!ReadExactly(input, body))
            {
                return 0;
            }

            output.WriteLine(Answer(counter, allocator, body));
            output.Flush();
        }

        return 0;
    }

    private static string Answer(ImageCounter counter, PeakMemoryAllocator allocator, byte[] body)
    {
        long peak = -1;
        try
        {
            var facts = counter.Identify(body);
            allocator.ResetPeak();
            var counted = counter.Count(body, facts);
            peak = allocator.Peak - allocator.InUse;
            return Invariant($"counted {counted.Width} {counted.Height} {counted.WhitePixelCount} {peak}");
        }
        catch (ImageRejectedException ex)
        {
            peak = peak < 0 ? allocator.Peak - allocator.InUse : peak;
            var kind = ex.Message.StartsWith(NotWhatHeaderSays, StringComparison.Ordinal) ? "mismatch" : "refused";
            return Invariant($"{kind} {ex.Problem.Status} {peak} {OneLine(ex.Problem.Type + " " + ex.Message)}");
        }
        catch (OutOfMemoryException ex)
        {
            return Invariant($"oom 503 {allocator.Peak} {OneLine(ex.Message)}");
        }
        catch (Exception ex)
        {
            return Invariant($"error 500 {allocator.Peak} {OneLine(ex.GetType().Name + ": " + ex.Message)}");
        }
    }

    private static DecodeAnswer Parse(string line)
    {
        var parts = line.Split(' ', 5);
        int I(int i) => int.Parse(parts[i], CultureInfo.InvariantCulture);
        long L(int i) => long.Parse(parts[i], CultureInfo.InvariantCulture);
        return parts[0] switch
        {
            "counted" => new DecodeAnswer(DecodeOutcome.Counted, I(1), I(2), L(3), L(4), 200),
            "refused" => new DecodeAnswer(DecodeOutcome.Refused, AllocatorPeak: L(2), Status: I(1), Detail: parts.ElementAtOrDefault(3) + " " + parts.ElementAtOrDefault(4)),
            "mismatch" => new DecodeAnswer(DecodeOutcome.NotWhatHeaderSays, AllocatorPeak: L(2), Status: I(1), Detail: parts.ElementAtOrDefault(3) + " " + parts.ElementAtOrDefault(4)),
            "oom" => new DecodeAnswer(DecodeOutcome.OutOfMemory, AllocatorPeak: L(2), Status: 503, Detail: parts.ElementAtOrDefault(3) + " " + parts.ElementAtOrDefault(4)),
            "error" => new DecodeAnswer(DecodeOutcome.Error, AllocatorPeak: L(2), Status: 500, Detail: parts.ElementAtOrDefault(3) + " " + parts.ElementAtOrDefault(4)),
            _ => new DecodeAnswer(DecodeOutcome.Crashed, Detail: $"unreadable answer: {line}"),
        };
    }

    private Process Start()
    {
        Starts++;

        // The fuzzer's own build output (tests/Fuzzing/bin/...), whoever runs it: its deps.json and
        // runtimeconfig.json are the app's, which a test assembly's copy of the dll does not have.
        var dll = RepoPaths.AppAssembly(Path.Combine("tests", "Fuzzing"), "ImageGateway.Fuzzing", Stack.Configuration(typeof(DecodeChild).Assembly));
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add(Flag);
        var process = Process.Start(info) ?? throw new InvalidOperationException("The decode child did not start.");
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginErrorReadLine();
        var ready = process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromMinutes(1)) || ready.Result != "READY")
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"The decode child ({dll}) did not become ready.");
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

    private static bool ReadExactly(Stream input, byte[] buffer)
    {
        try
        {
            input.ReadExactly(buffer);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
