using System.Text.RegularExpressions;

namespace ImageGateway.TestSupport;

/// <summary>
/// Which namespaces under one root namespace use which, read from the C# sources of one folder (one
/// file-scoped namespace a file): <c>using</c> directives, fully qualified names, and names qualified
/// from the root (<c>Memory.GcHeapHardLimit</c> inside <c>ImageGateway.Backend.Decoding</c>). Comments
/// are skipped. A plain text scan rather than a compiler: it must see exactly what a reader of the
/// <c>using</c> lines sees.
/// </summary>
public sealed partial class NamespaceGraph
{
    private readonly Dictionary<string, SortedSet<string>> _uses;

    private NamespaceGraph(Dictionary<string, SortedSet<string>> uses) => _uses = uses;

    /// <summary>Each namespace (relative to the root, e.g. <c>Api</c>) and those it uses, itself excluded.</summary>
    public IReadOnlyDictionary<string, SortedSet<string>> Uses => _uses;

    /// <summary>Reads every <c>.cs</c> file under <paramref name="folder"/> (not <c>bin/</c> or <c>obj/</c>).</summary>
    public static NamespaceGraph FromSources(string folder, string rootNamespace)
    {
        var files = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Select(f => (Text: WithoutComments(File.ReadAllText(f)), Path: f))
            .ToList();
        var prefix = rootNamespace + ".";

        // Declared namespaces and the types each declares.
        var types = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var namespaceOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (text, path) in files)
        {
            var declared = NamespaceDeclaration().Match(text);
            var ns = declared.Success && declared.Groups[1].Value.StartsWith(prefix, StringComparison.Ordinal)
                ? declared.Groups[1].Value[prefix.Length..]
                : string.Empty;
            namespaceOf[path] = ns;
            var set = types.TryGetValue(ns, out var existing) ? existing : types[ns] = new HashSet<string>(StringComparer.Ordinal);
            foreach (Match type in TypeDeclaration().Matches(text))
            {
                set.Add(type.Groups[1].Value);
            }
        }

        var uses = types.Keys.ToDictionary(ns => ns, _ => new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var (text, path) in files)
        {
            var from = namespaceOf[path];
            foreach (Match reference in QualifiedName().Matches(text))
            {
                var name = reference.Groups["name"].Value;
                if (name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    Add(uses, from, Longest(types, name[prefix.Length..]));
                }
                else if (!reference.Groups["using"].Success && Longest(types, name) is { Length: > 0 } relative
                    && name.Length > relative.Length && types[relative].Contains(name[(relative.Length + 1)..].Split('.')[0]))
                {
                    // Qualified from the root: a declared namespace followed by one of its types.
                    Add(uses, from, relative);
                }
            }
        }

        return new NamespaceGraph(uses);
    }

    /// <summary>
    /// The loops: each group of namespaces that reach each other (a strongly connected component of
    /// more than one), named by its members and the shortest loops that cover them, e.g.
    /// <c>Admission, Metrics: Admission -> Metrics -> Admission</c>.
    /// </summary>
    public IReadOnlyList<string> Cycles()
    {
        var cycles = new List<string>();
        foreach (var component in StronglyConnected().Where(c => c.Count > 1))
        {
            var covered = new HashSet<string>(StringComparer.Ordinal);
            var loops = new List<string>();
            foreach (var member in component.Order(StringComparer.Ordinal))
            {
                if (covered.Contains(member))
                {
                    continue;
                }

                var loop = ShortestLoop(member, component);
                covered.UnionWith(loop);
                loops.Add(string.Join(" -> ", loop));
            }

            cycles.Add($"{string.Join(", ", component.Order(StringComparer.Ordinal))}: {string.Join("; ", loops)}");
        }

        return cycles;
    }

    /// <summary>The namespaces that use <paramref name="ns"/>.</summary>
    public IEnumerable<string> UsersOf(string ns) => _uses.Where(kv => kv.Value.Contains(ns)).Select(kv => kv.Key);

    private static void Add(Dictionary<string, SortedSet<string>> uses, string from, string to)
    {
        if (to.Length > 0 && to != from)
        {
            uses[from].Add(to);
        }
    }

    /// <summary>The longest declared namespace that <paramref name="dotted"/> starts with, or empty.</summary>
    private static string Longest(Dictionary<string, HashSet<string>> types, string dotted)
    {
        for (var name = dotted; name.Length > 0; name = name.Contains('.', StringComparison.Ordinal) ? name[..name.LastIndexOf('.')] : string.Empty)
        {
            if (types.ContainsKey(name))
            {
                return name;
            }
        }

        return string.Empty;
    }

    /// <summary>Tarjan's algorithm: every strongly connected component.</summary>
    private List<List<string>> StronglyConnected()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<List<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in _uses.GetValueOrDefault(node) ?? [])
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], index[next]);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                components.Add(component);
            }
        }

        foreach (var node in _uses.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return components;
    }

    /// <summary>The shortest closed path from <paramref name="start"/> back to it inside <paramref name="component"/>.</summary>
    private List<string> ShortestLoop(string start, List<string> component)
    {
        var members = component.ToHashSet(StringComparer.Ordinal);
        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>([start]);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            foreach (var next in _uses[node].Where(members.Contains))
            {
                if (next == start)
                {
                    var path = new List<string> { start };
                    for (var back = node; back != start; back = previous[back])
                    {
                        path.Insert(1, back);
                    }

                    path.Add(start);
                    return path;
                }

                if (previous.TryAdd(next, node))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return [start, start]; // unreachable: every member of a component lies on a loop
    }

    private static string WithoutComments(string text) => Comment().Replace(text, string.Empty);

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"\b(?:class|struct|record|interface|enum)\s+(?:struct\s+|class\s+)?([A-Z]\w*)")]
    private static partial Regex TypeDeclaration();

    /// <summary>A dotted name not preceded by a member access; <c>using</c> marks one written in a using directive (always from the root).</summary>
    [GeneratedRegex(@"(?<![\w.])(?<using>using\s+(?:static\s+)?(?:\w+\s*=\s*)?)?(?<name>[A-Z]\w*(?:\.[A-Z]\w*)+)")]
    private static partial Regex QualifiedName();
}
