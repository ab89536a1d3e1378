using System.Globalization;
using System.Text.Json.Nodes;
using ImageGateway.TestSupport;

namespace ImageGateway.Resilience.Tests.Support;

/// <summary>
/// The gateway's limits against slow clients, read from the <c>SlowClients</c> section of
/// gateway/appsettings.json, which the gateway applies to Kestrel (<c>gateway/Server/SlowClientOptions.cs</c>).
/// Both keys must be there: falling back to Kestrel's own, looser defaults (30 s for headers) would let
/// the slowloris tests pass against limits the gateway does not have.
/// </summary>
public sealed record GatewayLimits(TimeSpan RequestHeadersTimeout, TimeSpan BodyRateGracePeriod)
{
    public static GatewayLimits Read()
    {
        var path = Path.Combine(RepoPaths.Root, "gateway", "appsettings.json");
        var section = JsonNode.Parse(File.ReadAllText(path))?["SlowClients"]
            ?? throw new InvalidOperationException($"{path} has no SlowClients section.");
        return new GatewayLimits(Duration(section, "RequestHeadersTimeout"), Duration(section, "MinRequestBodyGracePeriod"));
    }

    private static TimeSpan Duration(JsonNode section, string key) =>
        section[key] is { } value
            ? TimeSpan.Parse((string)value!, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"SlowClients:{key} is not set in gateway/appsettings.json.");
}
