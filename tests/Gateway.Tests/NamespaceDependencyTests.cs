using ImageGateway.TestSupport;

namespace ImageGateway.Gateway.Tests;

/// <summary>
/// The gateway's folders (namespaces <c>ImageGateway.Gateway.X</c>) use each other in layers, never
/// in a loop: a loop means neither side can be read, tested or changed without the other.
/// </summary>
public sealed class NamespaceDependencyTests
{
    private const string GatewayNamespaces = "ImageGateway.Gateway.";

    [Fact]
    public void GatewayNamespaces_AsCompiled_UseEachOtherWithoutACycle()
    {
        var graph = NamespaceGraph.Of(typeof(Program).Assembly, GatewayNamespaces);

        var cycles = NamespaceGraph.Cycles(graph.Edges.Keys);

        Assert.True(cycles.Count == 0, "The gateway's namespaces loop:" + string.Concat(cycles.Select(cycle =>
            "\n  " + string.Join(" -> ", cycle.Select(Short)) + " ("
            + string.Join("; ", cycle.Zip(cycle.Skip(1)).Select(edge => graph.Edges[edge])) + ")")));
    }

    [Fact]
    public void Of_GatewayAssembly_SeesAReferenceMadeOnlyInMethodBodies()
    {
        // The inspection's middlewares use the Server folder only by calling the extension
        // CloseConnectionAfterResponse inside their methods: no field, signature or using-free
        // declaration names it. A scan that missed method bodies would not see this edge.
        var graph = NamespaceGraph.Of(typeof(Program).Assembly, GatewayNamespaces);

        Assert.True(graph.Edges.TryGetValue(("ImageGateway.Gateway.Inspection", "ImageGateway.Gateway.Server"), out var example),
            "No edge Inspection -> Server; edges: " + string.Join(", ", graph.Edges.Keys.Select(e => $"{Short(e.From)} -> {Short(e.To)}")));
        Assert.EndsWith("-> ConnectionClose", example, StringComparison.Ordinal);
    }

    [Fact]
    public void Cycles_ThreeNamespacesInALoopBesideALayer_NamesTheLoopOnce()
    {
        (string, string)[] edges = [("A", "B"), ("B", "C"), ("C", "A"), ("C", "D"), ("D", "E")];

        var cycles = NamespaceGraph.Cycles(edges);

        var cycle = Assert.Single(cycles);
        Assert.Equal(["A", "B", "C", "A"], cycle);
    }

    [Fact]
    public void Cycles_TwoPairsInLoops_NamesBoth()
    {
        (string, string)[] edges = [("Buffering", "Dispatch"), ("Dispatch", "Buffering"), ("Inspection", "Server"), ("Server", "Inspection"), ("Api", "Inspection")];

        var cycles = NamespaceGraph.Cycles(edges);

        Assert.Equal(2, cycles.Count);
        Assert.Contains(cycles, c => c.SequenceEqual(["Buffering", "Dispatch", "Buffering"]));
        Assert.Contains(cycles, c => c.SequenceEqual(["Inspection", "Server", "Inspection"]));
    }

    [Fact]
    public void Cycles_LayersOnly_FindsNone()
    {
        (string, string)[] edges = [("Api", "Inspection"), ("Dispatch", "Buffering"), ("Buffering", "Inspection"), ("Dispatch", "Inspection"), ("Inspection", "Server")];

        Assert.Empty(NamespaceGraph.Cycles(edges));
    }

    private static string Short(string name) => name.StartsWith(GatewayNamespaces, StringComparison.Ordinal) ? name[GatewayNamespaces.Length..] : name;
}
