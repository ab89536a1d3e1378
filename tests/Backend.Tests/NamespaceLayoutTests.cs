using ImageGateway.TestSupport;

namespace ImageGateway.Backend.Tests;

/// <summary>
/// The backend's folders are layers: no two namespaces use each other, however indirectly, and only
/// the entry point uses the HTTP edge (<c>Api</c>). Read from the sources' <c>using</c> lines and
/// qualified names (<see cref="NamespaceGraph"/>), checked here against hand-written sources first.
/// </summary>
public sealed class NamespaceLayoutTests : IDisposable
{
    private const string Root = "ImageGateway.Backend";
    private readonly string _folder = Directory.CreateTempSubdirectory("namespace-graph-").FullName;

    [Fact]
    public void Backend_Namespaces_HaveNoCycles()
    {
        var cycles = NamespaceGraph.FromSources(Path.Combine(RepoPaths.Root, "backend"), Root).Cycles();

        Assert.True(cycles.Count == 0, $"The backend's namespaces loop: {string.Join(" | ", cycles)}");
    }

    [Fact]
    public void Backend_Api_IsUsedOnlyByTheEntryPoint()
    {
        var graph = NamespaceGraph.FromSources(Path.Combine(RepoPaths.Root, "backend"), Root);

        Assert.Contains("Api", graph.Uses.Keys);
        Assert.All(graph.UsersOf("Api"), user => Assert.Equal(string.Empty, user)); // Program.cs, in no namespace
    }

    [Fact]
    public void Cycles_LoopThroughAUsingLine_IsNamedAsAPath()
    {
        Write("A/One.cs", "using ImageGateway.Backend.B;\nnamespace ImageGateway.Backend.A;\npublic sealed class One;");
        Write("B/Two.cs", "using ImageGateway.Backend.C;\nnamespace ImageGateway.Backend.B;\npublic sealed class Two;");
        Write("C/Three.cs", "using ImageGateway.Backend.A;\nnamespace ImageGateway.Backend.C;\npublic sealed class Three;");

        Assert.Equal(["A, B, C: A -> B -> C -> A"], NamespaceGraph.FromSources(_folder, Root).Cycles());
    }

    [Fact]
    public void Cycles_LoopThroughQualifiedNames_IsFound()
    {
        // One fully qualified, one qualified from the root namespace (as WorkerCommand wrote Memory.X).
        Write("A/One.cs", "namespace ImageGateway.Backend.A;\npublic sealed class One { object? b = ImageGateway.Backend.B.Two.Value; }");
        Write("B/Two.cs", "namespace ImageGateway.Backend.B;\npublic sealed class Two { public static object? Value = A.One.Create(); }");

        Assert.Equal(["A, B: A -> B -> A"], NamespaceGraph.FromSources(_folder, Root).Cycles());
    }

    [Fact]
    public void Cycles_CommentsAndMemberAccess_AreNotUses()
    {
        Write("A/One.cs", "using ImageGateway.Backend.B;\nnamespace ImageGateway.Backend.A;\npublic sealed class One;");
        Write("B/Two.cs", "// using ImageGateway.Backend.A;\nnamespace ImageGateway.Backend.B;\n/// <see cref=\"ImageGateway.Backend.A.One\"/>\npublic sealed class Two { object? x = this.A.One; object? A => null; }");

        var graph = NamespaceGraph.FromSources(_folder, Root);

        Assert.Empty(graph.Cycles());
        Assert.Equal(["B"], graph.Uses["A"]);
        Assert.Empty(graph.Uses["B"]);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Write(string relativePath, string text)
    {
        var path = Path.Combine(_folder, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
