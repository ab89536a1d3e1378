using System.Runtime.InteropServices;

namespace ImageGateway.TestSupport;

/// <summary>POSIX signals to any pid (the .NET process API only kills processes it started or found, and never stops one).</summary>
public static class ProcessSignals
{
    // Linux numbers on every architecture .NET runs on (x64, arm64).
    private const int SigKill = 9;
    private const int SigTerm = 15;
    private const int SigStop = 19;

    /// <summary>Sends SIGTERM to <paramref name="pid"/>: asks it to stop, as <c>docker stop</c> or Ctrl-C does; throws when the kernel refuses.</summary>
    public static void Terminate(int pid) => Send(pid, SigTerm, "SIGTERM");

    /// <summary>Sends SIGKILL to <paramref name="pid"/>, as a crash or an OOM kill would end it.</summary>
    public static void Kill(int pid) => Send(pid, SigKill, "SIGKILL");

    /// <summary>Sends SIGSTOP to <paramref name="pid"/>: alive but frozen, as a deadlocked process looks from outside.</summary>
    public static void Stop(int pid) => Send(pid, SigStop, "SIGSTOP");

    private static void Send(int pid, int signal, string name)
    {
        if (SendSignal(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {name}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
