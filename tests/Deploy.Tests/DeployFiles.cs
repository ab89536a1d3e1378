using System.Text.Json.Nodes;
using ImageGateway.TestSupport;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace ImageGateway.Deploy.Tests;

/// <summary>
/// The deployment files as JSON trees (every scalar a string, YAML anchors and merge keys resolved),
/// so tests navigate them like the tools that consume them.
/// </summary>
public static class DeployFiles
{
    public static string ComposePath => Path.Combine(RepoPaths.Root, "docker-compose.yml");

    public static string KubernetesFolder => Path.Combine(RepoPaths.Root, "deploy", "k8s");

    public static string DockerfilePath => Path.Combine(RepoPaths.Root, "deploy", "docker", "Dockerfile");

    /// <summary>The compose file's <c>services</c>, by name.</summary>
    public static IReadOnlyDictionary<string, JsonObject> ComposeServices()
    {
        var compose = ReadYaml(ComposePath).Single();
        return compose["services"]!.AsObject().ToDictionary(s => s.Key, s => s.Value!.AsObject());
    }

    /// <summary>Every object of the kustomization in <c>deploy/k8s</c>, in file order.</summary>
    public static IReadOnlyList<JsonObject> KubernetesObjects()
    {
        var kustomization = ReadYaml(Path.Combine(KubernetesFolder, "kustomization.yaml")).Single();
        return kustomization["resources"]!.AsArray()
            .SelectMany(file => ReadYaml(Path.Combine(KubernetesFolder, (string)file!)))
            .ToList();
    }

    public static JsonObject Single(this IEnumerable<JsonObject> objects, string kind, string name) =>
        objects.SingleOrDefault(o => (string?)o["kind"] == kind && (string?)o["metadata"]?["name"] == name)
        ?? throw new Xunit.Sdk.XunitException($"deploy/k8s has no {kind} named {name}.");

    /// <summary>The pod template's first container of a workload (Deployment, StatefulSet).</summary>
    public static JsonObject Container(this JsonObject workload) =>
        workload["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();

    public static JsonObject PodSpec(this JsonObject workload) => workload["spec"]!["template"]!["spec"]!.AsObject();

    /// <summary>A container's literal env values, by name (those from <c>valueFrom</c> map to null).</summary>
    public static IReadOnlyDictionary<string, string?> Env(this JsonObject container) =>
        (container["env"]?.AsArray() ?? []).ToDictionary(e => (string)e!["name"]!, e => (string?)e!["value"]);

    /// <summary>All documents of a YAML file as JSON.</summary>
    public static IReadOnlyList<JsonObject> ReadYaml(string path)
    {
        using var reader = new StreamReader(path);
        var parser = new MergingParser(new Parser(reader));
        var deserializer = new DeserializerBuilder().Build();
        var documents = new List<JsonObject>();
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (ToJson(deserializer.Deserialize<object?>(parser)) is JsonObject document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        IDictionary<object, object?> map => new JsonObject(map.Select(p => KeyValuePair.Create(p.Key.ToString()!, ToJson(p.Value)))),
        IList<object?> list => new JsonArray(list.Select(ToJson).ToArray()),
        _ => JsonValue.Create(value.ToString()),
    };
}
