using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.Options;

namespace ImageGateway.Common.Management;

/// <summary>
/// Splits the endpoints between the ports by the port the connection arrived on, not by the
/// <c>Host</c> header (which <c>RequireHost</c> matches, and any client can set): endpoints marked
/// <see cref="ManagementEndpoint"/> match only on the management port, every other endpoint (the
/// proxy routes, the public health checks) only on the public ones. So the same path can be a
/// minimal public endpoint and a detailed management one, and <c>/metrics</c> on the public port is 404.
/// </summary>
internal sealed class ManagementPortMatcherPolicy(IOptions<ManagementOptions> options) : MatcherPolicy, IEndpointSelectorPolicy
{
    private readonly int _port = options.Value.Port;

    // Before the HTTP-method policy, so a path on the wrong port is a 404, not a 405.
    public override int Order => -1000;

    // Every endpoint belongs to one side: the policy must see every candidate set.
    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => true;

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var onManagementPort = httpContext.Connection.LocalPort == _port;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i)
                && (candidates[i].Endpoint.Metadata.GetMetadata<ManagementEndpoint>() is not null) != onManagementPort)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
