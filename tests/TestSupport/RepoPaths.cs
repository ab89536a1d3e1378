namespace ImageGateway.TestSupport;

/// <summary>Where things are in this repository, found from the running test assembly.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The repository root: the folder that holds <c>Gateway.sln</c>.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>The test image corpus copied into the repository (<c>tests/corpus</c>).</summary>
    public static string Corpus => Path.Combine(Root, "tests", "corpus");

    /// <summary>
    /// The built entry assembly of one of the product's apps, e.g. <c>("backend", "ImageGateway.Backend")</c>,
    /// in the same configuration as the tests (the test projects reference the apps, so they are built).
    /// </summary>
    public static string AppAssembly(string folder, string assemblyName, string configuration)
    {
        var path = Path.Combine(Root, folder, "bin", configuration, "net10.0", assemblyName + ".dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Build {folder} in {configuration} first: {path} is missing.", path);
        }

        return path;
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException($"No Gateway.sln above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}.");
    }
}
