namespace ImageGateway.Backend.Tests;

/// <summary>
/// Test classes that host the real backend in this process (WebApplicationFactory) run one after the
/// other: each host's OpenTelemetry exporter listens to meters by name, so two hosts alive at once
/// export each other's instruments (seen: /metrics of one host reporting another's budget).
/// </summary>
[CollectionDefinition(Name)]
public sealed class BackendHostCollection
{
    public const string Name = "backend host";
}
