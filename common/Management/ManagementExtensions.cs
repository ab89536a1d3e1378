using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ImageGateway.Common.Management;

public static class ManagementExtensions
{
    /// <summary>Registers the management port's options (validated at start-up) and the policy that splits endpoints by port.</summary>
    public static IHostApplicationBuilder AddManagementPort(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptionsWithValidateOnStart<ManagementOptions, ManagementOptionsValidator>()
            .Bind(builder.Configuration.GetSection(ManagementOptions.SectionName));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, ManagementPortMatcherPolicy>());
        return builder;
    }

    /// <summary>
    /// Adds the management address to the server's addresses, on the interface of the first public
    /// one. The public addresses are the configured ones, read as the host would (<c>urls</c>, else
    /// <c>http_ports</c>/<c>https_ports</c>, else <c>http://localhost:5000</c>): once an address is
    /// added here the host no longer reads them itself.
    /// </summary>
    /// <exception cref="OptionsValidationException"><c>Management:Port</c> is also a public port.</exception>
    public static WebApplication ListenOnManagementPort(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var port = app.Services.GetRequiredService<IOptions<ManagementOptions>>().Value.Port;
        if (app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses is not { IsReadOnly: false } addresses)
        {
            return app; // a server without addresses (the in-memory test server): nothing to listen on
        }

        if (addresses.Count == 0)
        {
            foreach (var url in ConfiguredUrls(app.Configuration))
            {
                addresses.Add(url);
            }
        }

        var publicAddresses = addresses.Select(BindingAddress.Parse).ToList();
        if (publicAddresses.Any(a => a.Port == port))
        {
            throw new OptionsValidationException(ManagementOptions.SectionName, typeof(ManagementOptions),
                [$"{ManagementOptions.SectionName}:{nameof(ManagementOptions.Port)} is {port}, which is also a public port ({string.Join(", ", addresses)})."]);
        }

        addresses.Add($"http://{publicAddresses[0].Host}:{port}");
        return app;
    }

    /// <summary>A group whose endpoints are served on the management port only (and never rate limited).</summary>
    public static RouteGroupBuilder MapManagement(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(string.Empty);
        group.WithMetadata(ManagementEndpoint.Instance);
        group.DisableRateLimiting();
        return group;
    }

    private static IEnumerable<string> ConfiguredUrls(IConfiguration configuration)
    {
        if (configuration["urls"] is { Length: > 0 } urls)
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        var ports = Ports(configuration["http_ports"]).Select(p => $"http://*:{p}")
            .Concat(Ports(configuration["https_ports"]).Select(p => $"https://*:{p}"))
            .ToList();
        return ports.Count > 0 ? ports : ["http://localhost:5000"];
    }

    private static string[] Ports(string? list) =>
        list?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
