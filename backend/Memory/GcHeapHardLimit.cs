using System.Globalization;

namespace ImageGateway.Backend.Memory;

/// <summary>
/// The GC heap hard limit as the runtime takes it: <c>DOTNET_GCHeapHardLimit</c>, a byte count in
/// hexadecimal digits. The one reader of that format for the server's own setting and a worker's
/// (<c>Decoding:WorkerHeapHardLimit</c>).
/// </summary>
public static class GcHeapHardLimit
{
    /// <summary>The variable deploy/lib/memory.sh (and compose, Kubernetes) sets from the container limit.</summary>
    public const string Variable = "DOTNET_GCHeapHardLimit";

    /// <summary>The bytes <paramref name="hex"/> states, or null when it is not plain hexadecimal digits (no <c>0x</c>, which Native AOT ignores).</summary>
    public static long? ParseBytes(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (hex.Length is 0 or > 15)
        {
            return null;
        }

        // A plain loop: every decode worker runs this at start. Written with LINQ and Uri.IsHexDigit,
        // the Containment stress test's kernel-OOM case failed 3 runs of 3 on 2026-11-30 (the kernel
        // chose an ordinary upload's worker, or the answer broke off), and passed 2 of 2 with this loop;
        // why a worker's start-up code moves the kernel's choice was not measured.
        foreach (var c in hex)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return null;
            }
        }

        return long.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Stops start-up when <c>DOTNET_GCHeapHardLimit</c> is set but the GC does not enforce it: the
    /// Native AOT runtime silently ignores a value written with a <c>0x</c> prefix, and a backend
    /// without its hard limit turns overruns into kernel OOM kills.
    /// </summary>
    /// <exception cref="InvalidOperationException">The setting is malformed or not in force.</exception>
    public static void CheckInForce(string? setting, long gcHeapLimitBytes)
    {
        if (setting is null)
        {
            return;
        }

        var digits = setting.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? setting[2..] : setting;
        if (ParseBytes(digits) is not { } requested || requested <= 0)
        {
            throw new InvalidOperationException($"{Variable} is '{setting}'; it must be a byte count in hexadecimal without 0x (deploy/lib/memory.sh).");
        }

        if (requested != gcHeapLimitBytes)
        {
            throw new InvalidOperationException(
                $"{Variable} is '{setting}' ({requested} bytes) but the GC's hard limit is {gcHeapLimitBytes} bytes: the runtime did not take the setting (Native AOT ignores a 0x prefix; write hexadecimal digits only, as deploy/lib/memory.sh does).");
        }
    }
}
