using System.Reflection;
using System.Reflection.Emit;

namespace ImageGateway.TestSupport;

/// <summary>
/// Which namespaces of an assembly use which, read from the compiled types rather than from
/// <c>using</c> lines: base types, interfaces, attributes, fields, signatures, locals and every
/// type, method and field a method body names (its IL), so a reference through <c>var</c> or a
/// fully-qualified name counts as well. A nested or compiler-generated type (a lambda's closure, an
/// async state machine) counts for the type it is declared in. Used for the gateway's namespaces
/// (Gateway.Tests) and the backend's (Backend.Tests).
/// </summary>
public sealed class NamespaceGraph
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    private NamespaceGraph(IReadOnlyDictionary<(string From, string To), string> edges) => Edges = edges;

    /// <summary>Each dependency between two namespaces, with one reference that makes it (<c>Type -> Type</c>).</summary>
    public IReadOnlyDictionary<(string From, string To), string> Edges { get; }

    /// <summary>The graph between the namespaces of <paramref name="assembly"/> that start with <paramref name="prefix"/>.</summary>
    public static NamespaceGraph Of(Assembly assembly, string prefix)
    {
        var edges = new Dictionary<(string, string), string>();
        foreach (var type in assembly.GetTypes())
        {
            var owner = Outermost(type);
            if (owner.Namespace is not { } from || !from.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var used in References(type).SelectMany(Flatten))
            {
                var usedOwner = Outermost(used);
                if (usedOwner.Namespace is { } to && to != from && to.StartsWith(prefix, StringComparison.Ordinal))
                {
                    edges.TryAdd((from, to), $"{owner.Name} -> {usedOwner.Name}");
                }
            }
        }

        return new NamespaceGraph(edges);
    }

    /// <summary>
    /// Every cycle's strongly connected set of namespaces, each as one closed path through it
    /// (<c>A -> B -> A</c>); empty when the graph has no cycle.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> Cycles(IEnumerable<(string From, string To)> edges)
    {
        var next = edges.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).Distinct().Order(StringComparer.Ordinal).ToList());
        var nodes = next.Keys.Concat(next.Values.SelectMany(v => v)).Distinct().Order(StringComparer.Ordinal).ToList();
        var cycles = new List<IReadOnlyList<string>>();
        foreach (var component in StronglyConnected(nodes, next).Where(c => c.Count > 1 || (next.TryGetValue(c[0], out var self) && self.Contains(c[0]))))
        {
            cycles.Add(ClosedPath(component, next));
        }

        return cycles;
    }

    /// <summary>Tarjan's algorithm: the strongly connected components, each sorted.</summary>
    private static List<List<string>> StronglyConnected(List<string> nodes, Dictionary<string, List<string>> next)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var components = new List<List<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var to in next.GetValueOrDefault(node) ?? [])
            {
                if (!index.ContainsKey(to))
                {
                    Visit(to);
                    low[node] = Math.Min(low[node], low[to]);
                }
                else if (onStack.Contains(to))
                {
                    low[node] = Math.Min(low[node], index[to]);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string popped;
                do
                {
                    popped = stack.Pop();
                    onStack.Remove(popped);
                    component.Add(popped);
                }
                while (popped != node);
                components.Add([.. component.Order(StringComparer.Ordinal)]);
            }
        }

        foreach (var node in nodes.Where(n => !index.ContainsKey(n)))
        {
            Visit(node);
        }

        return components;
    }

    /// <summary>The shortest way from the component's first node back to itself, staying inside it.</summary>
    private static List<string> ClosedPath(List<string> component, Dictionary<string, List<string>> next)
    {
        var start = component[0];
        var inside = component.ToHashSet();
        var cameFrom = new Dictionary<string, string>();
        var queue = new Queue<string>([start]);
        while (queue.TryDequeue(out var node))
        {
            foreach (var to in (next.GetValueOrDefault(node) ?? []).Where(inside.Contains))
            {
                if (to == start)
                {
                    var path = new List<string> { start };
                    for (var at = node; at != start; at = cameFrom[at])
                    {
                        path.Add(at);
                    }

                    path.Add(start);
                    path.Reverse();
                    return path;
                }

                if (cameFrom.TryAdd(to, node))
                {
                    queue.Enqueue(to);
                }
            }
        }

        throw new InvalidOperationException($"No closed path in the component {string.Join(", ", component)}.");
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }

    /// <summary>A type with what it is built from: array elements, generic arguments, by-ref targets.</summary>
    private static IEnumerable<Type> Flatten(Type type)
    {
        if (type.IsGenericParameter)
        {
            yield break;
        }

        if (type.HasElementType)
        {
            foreach (var inner in Flatten(type.GetElementType()!))
            {
                yield return inner;
            }

            yield break;
        }

        yield return type;
        if (type.IsConstructedGenericType)
        {
            foreach (var inner in type.GetGenericArguments().SelectMany(Flatten))
            {
                yield return inner;
            }
        }
    }

    private static IEnumerable<Type> References(Type type)
    {
        if (type.BaseType is { } baseType)
        {
            yield return baseType;
        }

        foreach (var item in type.GetInterfaces())
        {
            yield return item;
        }

        foreach (var attribute in type.CustomAttributes)
        {
            yield return attribute.AttributeType;
        }

        foreach (var field in type.GetFields(Declared))
        {
            yield return field.FieldType;
        }

        foreach (var property in type.GetProperties(Declared))
        {
            yield return property.PropertyType;
        }

        foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            foreach (var used in MethodReferences(method))
            {
                yield return used;
            }
        }
    }

    private static IEnumerable<Type> MethodReferences(MethodBase method)
    {
        if (method is MethodInfo { ReturnType: var returns })
        {
            yield return returns;
        }

        foreach (var parameter in method.GetParameters())
        {
            yield return parameter.ParameterType;
        }

        if (method.GetMethodBody() is not { } body)
        {
            yield break;
        }

        foreach (var local in body.LocalVariables)
        {
            yield return local.LocalType;
        }

        var il = body.GetILAsByteArray() ?? [];
        var typeArguments = method.DeclaringType is { IsGenericType: true } generic ? generic.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var value = il[i] == 0xFE ? unchecked((short)(0xFE00 | il[i + 1])) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + (4 * BitConverter.ToInt32(il, i));
                    break;
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    foreach (var used in TokenReferences(method.Module, BitConverter.ToInt32(il, i), typeArguments, methodArguments))
                    {
                        yield return used;
                    }

                    i += 4;
                    break;
                default: // InlineI, InlineBrTarget, InlineSig, InlineString, ShortInlineR
                    i += 4;
                    break;
            }
        }
    }

    /// <summary>The type a token names, or the declaring type and signature of the member it names.</summary>
    private static IEnumerable<Type> TokenReferences(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        switch (module.ResolveMember(token, typeArguments, methodArguments))
        {
            case Type type:
                yield return type;
                break;
            case FieldInfo field:
                yield return field.DeclaringType!;
                yield return field.FieldType;
                break;
            case MethodBase called:
                if (called.DeclaringType is { } declaring)
                {
                    yield return declaring;
                }

                if (called is MethodInfo { ReturnType: var returns })
                {
                    yield return returns;
                }

                if (called is MethodInfo { IsGenericMethod: true } genericCall)
                {
                    foreach (var argument in genericCall.GetGenericArguments())
                    {
                        yield return argument;
                    }
                }

                foreach (var parameter in called.GetParameters())
                {
                    yield return parameter.ParameterType;
                }

                break;
        }
    }
}
