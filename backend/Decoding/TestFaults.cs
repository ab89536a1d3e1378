using System.Runtime.InteropServices;
using System.Text;
using ImageGateway.Common.Imaging.Headers;

namespace ImageGateway.Backend.Decoding;

/// <summary>
/// A fault switch for tests of the worker pool's supervision: a worker started with
/// <see cref="Variable"/>=1 in its environment treats an upload that begins with <see cref="Marker"/>
/// (<c>IGW-TEST-FAULT:crash@decode</c>, <c>hang@identify</c>, <c>oom@decode</c>...) as an order to
/// crash, spin forever or eat memory until the kernel kills it, at that phase. Production never sets
/// the variable (no configuration key or request can: it is read from the process environment at
/// start), and without it such a body is just bytes that are not an image (415). Real inputs that
/// crash or hang ImageSharp may be refused up front by the header model once it knows them; this
/// switch keeps the supervision tested whatever the readers learn.
/// </summary>
internal sealed class TestFaults
{
    /// <summary>The environment variable that enables the switch (tests only).</summary>
    public const string Variable = "IMAGE_GATEWAY_DECODE_WORKER_TEST_FAULTS";

    private static ReadOnlySpan<byte> Marker => "IGW-TEST-FAULT:"u8;

    private readonly bool _enabled;

    private TestFaults(bool enabled) => _enabled = enabled;

    public enum Phase
    {
        Identify,
        Decode,
    }

    /// <summary>What the header model "says" of a fault body that is to fail at decode: a 1x1 image.</summary>
    public static ImageFacts Facts { get; } = new FaultFacts();

    public static TestFaults FromEnvironment() => new(Environment.GetEnvironmentVariable(Variable) == "1");

    public bool IsFault(ReadOnlySpan<byte> body) => _enabled && body.StartsWith(Marker);

    /// <summary>Carries out the fault <paramref name="body"/> orders, when it orders one for <paramref name="phase"/>.</summary>
    public void Trigger(ReadOnlySpan<byte> body, Phase phase)
    {
        if (!IsFault(body))
        {
            return;
        }

        // The order runs to the first white space; what follows only makes bodies differ.
        var order = Encoding.ASCII.GetString(body[Marker.Length..Math.Min(body.Length, Marker.Length + 32)]).Split((char[]?)null, 2)[0];
        var at = order.IndexOf('@', StringComparison.Ordinal);
        var fault = at < 0 ? order : order[..at];
        var when = at < 0 ? "identify" : order[(at + 1)..];
        if (!string.Equals(when, phase.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        switch (fault)
        {
            case "crash":
                Environment.FailFast($"decode worker {Environment.ProcessId}: test fault 'crash' at {phase}.");
                break;
            case "hang":
                // Calls in the loop keep the thread suspendable by the GC, as a real decoder's loop is.
                while (true)
                {
                    Thread.SpinWait(1000);
                }

            case "oom":
                EatMemoryUntilKilled();
                break;
        }
    }

    /// <summary>A 1x1 image whose decoder needs nothing besides its frame.</summary>
    private sealed record FaultFacts() : ImageFacts("test-fault", 1, 1, SampleDepth.Bits8)
    {
        public override long DecoderBytes(long encodedBytes) => 0;
    }

    /// <summary>Touches native memory a MiB at a time, outside the GC heap and its hard limit, until the kernel's OOM killer ends the process.</summary>
    private static void EatMemoryUntilKilled()
    {
        const int Chunk = 1024 * 1024;
        var held = new List<IntPtr>();
        while (true)
        {
            var block = Marshal.AllocHGlobal(Chunk);
            for (var offset = 0; offset < Chunk; offset += 4096)
            {
                Marshal.WriteByte(block, offset, 1);
            }

            held.Add(block);
        }
    }
}
