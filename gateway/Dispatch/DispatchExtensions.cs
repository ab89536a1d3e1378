using ImageGateway.Gateway.Buffering;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Transforms;

namespace ImageGateway.Gateway.Dispatch;

public static class DispatchExtensions
{
    /// <summary>
    /// Registers the scheduler (capacity from load reports, the dispatch queue), its options
    /// (<c>Dispatch</c> section, validated at start-up), the <c>FreeBudget</c> load-balancing policy
    /// and the <c>LoadReports</c> active health-check policy. Call after <c>AddReverseProxy</c>'s
    /// registration is set up (<c>AddForwarding</c> calls <see cref="AddLoadReportTransform"/>).
    /// </summary>
    public static IHostApplicationBuilder AddDispatch(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<DispatchOptions, DispatchOptionsValidator>()
            .Bind(builder.Configuration.GetSection(DispatchOptions.SectionName));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DispatchScheduler>();
        builder.Services.AddSingleton<IShedForecast>(services => services.GetRequiredService<DispatchScheduler>());
        builder.Services.AddSingleton<DispatchMetrics>();
        builder.Services.AddSingleton<DispatchRefusals>();
        builder.Services.AddSingleton<LoadReportTransform>();
        builder.Services.AddSingleton<ILoadBalancingPolicy, FreeBudgetLoadBalancingPolicy>();
        builder.Services.AddSingleton<IActiveHealthCheckPolicy, LoadReportHealthPolicy>();
        return builder;
    }

    /// <summary>Every proxied response's load report is learnt (<see cref="LoadReportTransform"/>).</summary>
    public static IReverseProxyBuilder AddLoadReportTransform(this IReverseProxyBuilder proxy) =>
        proxy.AddTransforms(context =>
        {
            var transform = context.Services.GetRequiredService<LoadReportTransform>();
            context.AddResponseTransform(transform.ApplyAsync);
        });

    /// <summary>Refuses uploads before their body is read while even the cheapest would wait over the queue bound. Before the inspection.</summary>
    public static IApplicationBuilder UseShedBeforePeek(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<DispatchOptions>>().Value;
        DispatchLog.Settings(app.ApplicationServices.GetRequiredService<ILogger<DispatchScheduler>>(),
            options.MaxQueueWait.TotalSeconds, options.UnreportedUploads, options.ClientShare);
        return app.UseMiddleware<ShedBeforePeekMiddleware>();
    }

    /// <summary>Reserves capacity for each upload; in the proxy pipeline, before load balancing.</summary>
    public static IReverseProxyApplicationBuilder UseDispatch(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<DispatchMiddleware>();
        return proxy;
    }

    /// <summary>Keeps reservations with the chosen destination and retries a full backend's 503 once; after load balancing.</summary>
    public static IReverseProxyApplicationBuilder UseDestinationFollow(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<DestinationFollowMiddleware>();
        return proxy;
    }
}
