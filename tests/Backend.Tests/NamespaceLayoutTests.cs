using ImageGateway.TestSupport;

namespace ImageGateway.Backend.Tests;

/// <summary>
/// The backend's folders (namespaces <c>ImageGateway.Backend.X</c>) are layers: no two use each other,
/// however indirectly, and only the entry point uses the HTTP edge (<c>Api</c>). Read from the compiled
/// backend (<see cref="NamespaceGraph"/>, which reads method bodies too; Gateway.Tests checks it on the gateway
/// and its cycle finder on hand-made graphs).
/// </summary>
public sealed class NamespaceLayoutTests
{
    private const string BackendNamespaces = "ImageGateway.Backend.";
    private static readonly NamespaceGraph Graph = NamespaceGraph.Of(typeof(Program).Assembly, BackendNamespaces);

    [Fact]
    public void BackendNamespaces_AsCompiled_UseEachOtherWithoutACycle()
    {
        var cycles = NamespaceGraph.Cycles(Graph.Edges.Keys);

        Assert.True(cycles.Count == 0, "The backend's namespaces loop:" + string.Concat(cycles.Select(cycle =>
            "\n  " + string.Join(" -> ", cycle.Select(Short)) + " ("
            + string.Join("; ", cycle.Zip(cycle.Skip(1)).Select(edge => Graph.Edges[edge])) + ")")));
    }

    [Fact]
    public void BackendNamespaces_Api_IsUsedByNoOtherFolder()
    {
        var users = Graph.Edges.Where(e => e.Key.To == BackendNamespaces + "Api").Select(e => $"{Short(e.Key.From)} ({e.Value})").ToList();

        Assert.True(users.Count == 0, "Folders that use Api: " + string.Join(", ", users));
    }

    private static string Short(string name) => name.StartsWith(BackendNamespaces, StringComparison.Ordinal) ? name[BackendNamespaces.Length..] : name;
}
