using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ImageGateway.TestSupport;

/// <summary>What Pillow made of one image: its size and white count, or why it refused it.</summary>
/// <param name="Width">Width Pillow decoded (0 when refused).</param>
/// <param name="Height">Height Pillow decoded (0 when refused).</param>
/// <param name="White">Pixels equal to (255, 255, 255, 255) after <c>convert("RGBA")</c>, first frame.</param>
/// <param name="Refusal">Pillow's exception when it did not read the image; null when it did.</param>
public sealed record PillowResult(int Width, int Height, long White, string? Refusal)
{
    /// <summary>Pillow did not read the image.</summary>
    public bool Refused => Refusal is not null;

    public override string ToString() => Refused ? $"refused ({Refusal})" : $"{Width}x{Height}, {White} white";
}

/// <summary>
/// The reference decoder for tests: Debian's Pillow (python3-pil, 9.4 with libjpeg-turbo 2.1.5 and
/// libwebp 1.2.4) run by <c>/usr/bin/python3</c>, counting white the way the corpus manifest does
/// (first frame, <c>convert("RGBA")</c>, all four channels 255). One Python process serves every
/// test of a run (a process start costs more than most images). Fails, never skips, when Pillow is
/// missing.
/// </summary>
public static class Pillow
{
    private const string Python = "/usr/bin/python3";

    // Reads file paths from stdin, one per line; answers "ok W H WHITE" or "refused <exception>" per file.
    private const string Script = """
        import sys
        from PIL import Image, ImageChops
        Image.MAX_IMAGE_PIXELS = None
        while True:
            line = sys.stdin.readline()
            if not line:
                break
            path = line.rstrip("\n")
            try:
                with Image.open(path) as im:
                    im.load()
                    rgba = im.convert("RGBA")
                    mask = None
                    for band in rgba.split():
                        b = band.point(lambda v: 255 if v == 255 else 0)
                        mask = b if mask is None else ImageChops.multiply(mask, b)
                    white = mask.histogram()[255]
                    print("ok", rgba.size[0], rgba.size[1], white, flush=True)
            except Exception as e:
                print("refused", type(e).__name__ + ": " + str(e).replace("\n", " "), flush=True)
        """;

    private static readonly Lazy<string?> Missing = new(FindProblem);
    private static readonly Lock Gate = new();
    private static Process? _server;

    /// <summary>Reads one image held in memory.</summary>
    public static PillowResult Read(byte[] image) => ReadAll([image])[0];

    /// <summary>Reads one image file.</summary>
    public static PillowResult ReadFile(string path) => ReadFiles([path])[0];

    /// <summary>Reads images held in memory.</summary>
    public static IReadOnlyList<PillowResult> ReadAll(IReadOnlyList<byte[]> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var folder = Directory.CreateTempSubdirectory("pillow-");
        try
        {
            var paths = new string[images.Count];
            for (var i = 0; i < images.Count; i++)
            {
                paths[i] = Path.Combine(folder.FullName, $"{i}.img");
                File.WriteAllBytes(paths[i], images[i]);
            }

            return ReadFiles(paths);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Reads image files.</summary>
    public static IReadOnlyList<PillowResult> ReadFiles(IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (Missing.Value is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        var results = new PillowResult[paths.Count];
        lock (Gate)
        {
            for (var i = 0; i < paths.Count; i++)
            {
                results[i] = ReadOne(paths[i]);
            }
        }

        return results;
    }

    private static PillowResult ReadOne(string path)
    {
        var server = _server is { HasExited: false } running ? running : _server = Start();
        server.StandardInput.WriteLine(path);
        server.StandardInput.Flush();
        var answer = server.StandardOutput.ReadLineAsync();
        if (!answer.Wait(TimeSpan.FromMinutes(1)))
        {
            server.Kill();
            _server = null;
            throw new TimeoutException($"Pillow did not answer within a minute for {path}.");
        }

        if (answer.Result is not { } line)
        {
            // Pillow died on this input (a crash in a native decoder): it does not read it.
            _server = null;
            return new PillowResult(0, 0, 0, $"the Python process exited with {(server.WaitForExit(5000) ? server.ExitCode : -1)}");
        }

        return Parse(line);
    }

    private static Process Start()
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} did not start.");
        process.ErrorDataReceived += static (_, _) => { }; // drained so that warnings never fill the pipe
        process.BeginErrorReadLine();
        return process;
    }
    private static PillowResult Parse(string line)
    {
        if (line.StartsWith("ok ", StringComparison.Ordinal))
        {
            var f = line.Split(' ');
            return new PillowResult(
                int.Parse(f[1], CultureInfo.InvariantCulture),
                int.Parse(f[2], CultureInfo.InvariantCulture),
                long.Parse(f[3], CultureInfo.InvariantCulture),
                null);
        }

        return new PillowResult(0, 0, 0, line.StartsWith("refused ", StringComparison.Ordinal) ? line[8..] : line);
    }

    private static string? FindProblem()
    {
        const string Install = "Tests that compare with the reference decoder need Debian's Pillow for /usr/bin/python3: apt-get install python3-pil";
        if (!File.Exists(Python))
        {
            return $"{Python} is missing. {Install}";
        }

        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import PIL, PIL.WebPImagePlugin, PIL._webp; print(PIL.__version__)");
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)) || process.ExitCode != 0)
        {
            return $"{Python} cannot import PIL with WebP support ({error.Trim()}). {Install}";
        }

        return null;
    }
}
