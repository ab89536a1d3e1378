using System.Diagnostics;
using System.Globalization;

namespace ImageGateway.TestSupport;

/// <summary>What Pillow made of an image: its size and white count, or its refusal.</summary>
public sealed record PillowAnswer(int Width, int Height, long White, string? Refusal)
{
    public bool Refused => Refusal is not null;

    public override string ToString() => Refused ? $"refused ({Refusal})" : $"{Width}x{Height}, {White} white";
}

/// <summary>
/// Pillow (Debian's python3-pil, for /usr/bin/python3) as the reference decoder: opens an image the
/// way the corpus manifest does (first frame, <c>convert('RGBA')</c>, count of (255,255,255,255)).
/// Tests that need it fail, not skip, when it is missing: CI installs it.
/// </summary>
public static class Pillow
{
    private const string Python = "/usr/bin/python3";

    private const string Script = """
        import sys, io
        try:
            from PIL import Image
        except ImportError:
            print("NOPIL"); sys.exit(0)
        data = sys.stdin.buffer.read()
        try:
            im = Image.open(io.BytesIO(data)); im.load(); rgba = im.convert("RGBA").tobytes()
            white = sum(1 for i in range(0, len(rgba), 4) if rgba[i:i + 4] == b"\xff\xff\xff\xff")
            print("OK", im.size[0], im.size[1], white)
        except Exception as e:
            print("REFUSED", type(e).__name__ + ": " + str(e).replace("\n", " "))
        """;

    /// <summary>Runs Pillow over <paramref name="image"/>.</summary>
    public static PillowAnswer Read(byte[] image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException($"{Python} is missing; the Pillow oracle needs Debian's python3 with python3-pil (apt-get install python3-pil).");
        }

        var info = new ProcessStartInfo(Python, ["-c", Script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {Python}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.StandardInput.BaseStream.Write(image);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("Pillow did not answer within 60 s.");
        }

        var line = output.Result.Trim();
        if (line == "NOPIL")
        {
            throw new InvalidOperationException($"{Python} has no PIL module: apt-get install python3-pil (the tests use Pillow as the reference decoder).");
        }

        var parts = line.Split(' ', 2);
        return parts[0] switch
        {
            "OK" when line.Split(' ') is [_, var w, var h, var white] => new PillowAnswer(
                int.Parse(w, CultureInfo.InvariantCulture), int.Parse(h, CultureInfo.InvariantCulture), long.Parse(white, CultureInfo.InvariantCulture), null),
            "REFUSED" => new PillowAnswer(0, 0, 0, parts.Length > 1 ? parts[1] : "unknown"),
            _ => throw new InvalidOperationException($"Unexpected answer from Pillow: '{line}' {error.Result}"),
        };
    }
}
