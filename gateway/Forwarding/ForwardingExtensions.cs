namespace ImageGateway.Gateway.Forwarding;

public static class ForwardingExtensions
{
    public const string ReverseProxySection = "ReverseProxy";

    /// <summary>Registers YARP with routes, clusters and health checks from the <c>ReverseProxy</c> section.</summary>
    public static IHostApplicationBuilder AddForwarding(this IHostApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection(ReverseProxySection));
        return builder;
    }

    /// <summary>Maps the proxy with the pipeline every upload goes through.</summary>
    public static IEndpointRouteBuilder MapForwarding(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<ForwarderProblemMiddleware>();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return endpoints;
    }
}
