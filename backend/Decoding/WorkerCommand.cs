using System.Diagnostics;
using System.Runtime.CompilerServices;
using ImageGateway.Backend.Memory;

namespace ImageGateway.Backend.Decoding;

/// <summary>
/// How to start a decode worker: the backend's own binary with <see cref="WorkerProtocol.WorkerFlag"/>.
/// Found from where the backend's code lives (<see cref="AppContext.BaseDirectory"/>), not from
/// <see cref="Environment.ProcessPath"/>: tests host the backend inside a test host, whose executable
/// is not the backend. Native AOT: the executable beside it. JIT: <c>dotnet ImageGateway.Backend.dll</c>.
/// The worker gets the server's environment with its own GC heap hard limit in place of the server's.
/// </summary>
public sealed class WorkerCommand
{
    /// <summary>The backend's file name, without extension (the native executable; the JIT form adds .dll).</summary>
    public const string AppName = "ImageGateway.Backend";

    /// <summary>Any command (tests start commands that cannot be workers, to see the pool supervise them).</summary>
    internal WorkerCommand(string fileName, IReadOnlyList<string> arguments, string? heapHardLimit, IReadOnlyDictionary<string, string> environment)
    {
        FileName = fileName;
        Arguments = arguments;
        HeapHardLimit = heapHardLimit;
        Environment = environment;
    }

    public string FileName { get; }

    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The worker's <c>DOTNET_GCHeapHardLimit</c> (hexadecimal, no 0x), or null for none.</summary>
    public string? HeapHardLimit { get; }

    /// <summary>Variables set for the worker on top of the server's own.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>The command for this process's form, with the worker's heap limit and extra variables.</summary>
    public static WorkerCommand Resolve(string? heapHardLimit, IReadOnlyDictionary<string, string>? environment = null)
    {
        var directory = AppContext.BaseDirectory;
        var extra = environment ?? new Dictionary<string, string>();
        var dll = Path.Combine(directory, AppName + ".dll");
        if (RuntimeFeature.IsDynamicCodeSupported && File.Exists(dll))
        {
            return new WorkerCommand(DotnetHost(), ["exec", dll, WorkerProtocol.WorkerFlag], heapHardLimit, extra);
        }

        return new WorkerCommand(Path.Combine(directory, AppName), [WorkerProtocol.WorkerFlag], heapHardLimit, extra);
    }

    /// <summary>A process description: pipes on stdin and stdout, stderr shared with the server (its log).</summary>
    public ProcessStartInfo StartInfo()
    {
        var info = new ProcessStartInfo(FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var argument in Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in Environment)
        {
            info.Environment[key] = value;
        }

        // The server's limit is the server's: a worker gets its own, or none.
        info.Environment.Remove(GcHeapHardLimit.Variable);
        if (HeapHardLimit is not null)
        {
            info.Environment[GcHeapHardLimit.Variable] = HeapHardLimit;
        }

        return info;
    }

    /// <summary>The <c>dotnet</c> host running this process, or the one the SDK names, or the one on PATH.</summary>
    private static string DotnetHost()
    {
        var process = System.Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            return process;
        }

        return System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
    }
}
