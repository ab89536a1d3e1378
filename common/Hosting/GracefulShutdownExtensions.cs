using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ImageGateway.Common.Hosting;

public static class GracefulShutdownExtensions
{
    /// <summary>
    /// On SIGTERM: readiness (checks tagged <paramref name="readyTag"/>) fails at once, the app keeps
    /// serving for the drain delay, then in-flight requests get the in-flight timeout
    /// (<c>HostOptions.ShutdownTimeout</c> = both). Options from the <c>Shutdown</c> section, validated at start.
    /// </summary>
    public static IHostApplicationBuilder AddGracefulShutdown(this IHostApplicationBuilder builder, string readyTag)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptionsWithValidateOnStart<GracefulShutdownOptions, GracefulShutdownOptionsValidator>()
            .Bind(builder.Configuration.GetSection(GracefulShutdownOptions.SectionName));
        builder.Services.AddOptions<HostOptions>()
            .Configure<IOptions<GracefulShutdownOptions>>((host, shutdown) => host.ShutdownTimeout = shutdown.Value.Total);

        builder.Services.AddSingleton<ShutdownDrain>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ShutdownDrain>());
        builder.Services.AddHealthChecks()
            .AddCheck<ShutdownReadinessHealthCheck>("shutdown", tags: [readyTag]);
        return builder;
    }
}
