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
        return hex.Length is > 0 and <= 15 && hex.All(Uri.IsHexDigit)
            && long.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bytes)
                ? bytes
                : null;
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
