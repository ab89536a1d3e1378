using System.Globalization;
using System.Text.Json.Nodes;
using ImageGateway.TestSupport;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ImageGateway.Resilience.Tests.Support;

/// <summary>
/// The gateway's Kestrel limits against slow clients: from <c>Kestrel:Limits</c> in gateway/appsettings.json
/// where set, else Kestrel's own defaults (30 s for headers, 240 B/s after a 5 s grace for bodies).
/// </summary>
public sealed record GatewayLimits(TimeSpan RequestHeadersTimeout, TimeSpan BodyRateGracePeriod)
{
    public static GatewayLimits Read()
    {
        var defaults = new KestrelServerLimits();
        var settings = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "gateway", "appsettings.json")));
        var limits = settings?["Kestrel"]?["Limits"];
        return new GatewayLimits(
            Duration(limits?["RequestHeadersTimeout"]) ?? defaults.RequestHeadersTimeout,
            Duration(limits?["MinRequestBodyDataRate"]?["GracePeriod"])
                ?? defaults.MinRequestBodyDataRate?.GracePeriod
                ?? throw new InvalidOperationException("Kestrel has no default body data rate."));
    }

    private static TimeSpan? Duration(JsonNode? value) =>
        value is null ? null : TimeSpan.Parse((string)value!, CultureInfo.InvariantCulture);
}
