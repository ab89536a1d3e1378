using ImageGateway.Gateway.Dispatch;
using Yarp.ReverseProxy.Health;

namespace ImageGateway.Gateway.Forwarding;

public static class ForwardingExtensions
{
    public const string ReverseProxySection = "ReverseProxy";

    /// <summary>Options of YARP's passive transport-failure-rate policy (global, not per cluster).</summary>
    public const string PassiveHealthPolicySection = "PassiveHealthPolicy";

    /// <summary>
    /// Turns on YARP's DNS destination resolver when set (e.g. <c>00:00:05</c>): each destination's
    /// host name is resolved to every address behind it (a Kubernetes headless Service: one per pod),
    /// again after this period, so destinations follow the pods. Unset: destinations are used as given.
    /// </summary>
    public const string DnsRefreshPeriodKey = "Discovery:DnsRefreshPeriod";

    /// <summary>Registers YARP with routes, clusters and health checks from the <c>ReverseProxy</c> section.</summary>
    public static IHostApplicationBuilder AddForwarding(this IHostApplicationBuilder builder)
    {
        var proxy = builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection(ReverseProxySection))
            .AddLoadReportTransform();
        if (builder.Configuration.GetValue<TimeSpan?>(DnsRefreshPeriodKey) is { } refresh)
        {
            if (refresh < TimeSpan.FromSeconds(1) || refresh > TimeSpan.FromMinutes(10))
            {
                throw new InvalidOperationException($"{DnsRefreshPeriodKey} must be 1 s to 10 min, not {refresh}.");
            }

            proxy.AddDnsDestinationResolver(dns => dns.RefreshPeriod = refresh);
        }

        // YARP's default detection window is 60 s: failures of a backend that crashed stay in it, so
        // after every reactivation the policy marks the restarted, healthy backend down again and it
        // stays out of rotation for a minute (measured by the resilience tests). A window as short as
        // the reactivation period lets it rejoin within seconds of coming back.
        builder.Services.Configure<TransportFailureRateHealthPolicyOptions>(
            builder.Configuration.GetSection(PassiveHealthPolicySection));
        return builder;
    }

    /// <summary>Maps the proxy with the pipeline every upload goes through.</summary>
    public static IEndpointRouteBuilder MapForwarding(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<ForwarderProblemMiddleware>();
            proxy.UseSessionAffinity();
            proxy.UseDispatch();
            proxy.UseLoadBalancing();
            proxy.UseDestinationFollow();
            proxy.UsePassiveHealthChecks();
        });
        return endpoints;
    }
}
