using System.Runtime.InteropServices;

namespace ImageGateway.TestSupport;

/// <summary>
/// Makes a process start as it would in a fresh container: from files whose pages are in no page
/// cache, so every page it reads is read from disk and charged to its own memory cgroup. Pages of
/// files other processes have mapped (the shared .NET runtime is mapped by every test host) cannot
/// be evicted, so <see cref="PrivateRuntime"/> lays out a private copy of the runtime first.
/// </summary>
public static class ColdFiles
{
    private const int PosixFadvDontNeed = 4;

    /// <summary>
    /// Copies the running .NET host, hostfxr and the two shared frameworks the backend needs into
    /// <paramref name="directory"/>, and <paramref name="appDirectory"/> into its <c>app</c> folder.
    /// Running <c>dotnet</c> from there (first on <c>PATH</c>) uses only these copies.
    /// </summary>
    /// <returns>The path of the copied app folder.</returns>
    public static string PrivateRuntime(string appDirectory, string directory)
    {
        var netcore = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var version = Path.GetFileName(netcore);
        var root = Path.GetFullPath(Path.Combine(netcore, "../../.."));
        Copy(Path.Combine(root, "dotnet"), Path.Combine(directory, "dotnet"));
        CopyDirectory(Path.Combine(root, "host"), Path.Combine(directory, "host"));
        CopyDirectory(netcore, Path.Combine(directory, "shared/Microsoft.NETCore.App", version));
        var aspnet = Directory.GetDirectories(Path.Combine(root, "shared/Microsoft.AspNetCore.App"))
            .Where(d => Path.GetFileName(d).StartsWith(version.Split('.')[0] + ".", StringComparison.Ordinal))
            .OrderBy(d => Version.Parse(Path.GetFileName(d).Split('-')[0]))
            .Last();
        CopyDirectory(aspnet, Path.Combine(directory, "shared/Microsoft.AspNetCore.App", Path.GetFileName(aspnet)));
        var app = Path.Combine(directory, "app");
        CopyDirectory(appDirectory, app);
        return app;
    }

    /// <summary>Writes back and drops from the page cache every file under <paramref name="directory"/>.</summary>
    /// <returns>The bytes of files evicted.</returns>
    public static long Evict(string directory)
    {
        long bytes = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
            var fd = (int)stream.SafeFileHandle.DangerousGetHandle();
            if (FDataSync(fd) != 0 || PosixFadvise(fd, 0, 0, PosixFadvDontNeed) != 0)
            {
                throw new IOException($"Could not evict {file} from the page cache (errno {Marshal.GetLastPInvokeError()}).");
            }

            bytes += stream.Length;
        }

        return bytes;
    }

    /// <summary>Copies a folder tree, keeping file modes (executables stay executable).</summary>
    public static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to, overwrite: true);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(to, File.GetUnixFileMode(from));
        }
    }

    [DllImport("libc", EntryPoint = "posix_fadvise", SetLastError = true)]
    private static extern int PosixFadvise(int fd, long offset, long length, int advice);

    [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static extern int FDataSync(int fd);
}
