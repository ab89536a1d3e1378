using Microsoft.Extensions.Configuration;

namespace ImageGateway.Gateway.Tests.Infrastructure;

/// <summary>
/// A configuration source holding the cluster's destinations that a test can change while the gateway
/// runs, as a config reload (or a DNS answer) would: YARP reloads its cluster from it.
/// </summary>
public sealed class DestinationsSource : IConfigurationSource
{
    private readonly Provider _provider = new();

    public IConfigurationProvider Build(IConfigurationBuilder builder) => _provider;

    /// <summary>Replaces the destinations with <paramref name="destinations"/> (id to address) and signals the reload.</summary>
    public void Set(IReadOnlyDictionary<string, Uri> destinations) => _provider.Replace(destinations);

    private sealed class Provider : ConfigurationProvider
    {
        public void Replace(IReadOnlyDictionary<string, Uri> destinations)
        {
            Data = destinations.ToDictionary(
                d => $"ReverseProxy:Clusters:backends:Destinations:{d.Key}:Address",
                d => (string?)d.Value.ToString(),
                StringComparer.OrdinalIgnoreCase);
            OnReload();
        }
    }
}
