using ImageGateway.Common.Observability;

namespace ImageGateway.Backend.Health;

public static class HealthExtensions
{
    /// <summary>The tag of the readiness checks (<see cref="ServiceHealthExtensions.ReadyTag"/>), for <c>AddGracefulShutdown</c>.</summary>
    public const string ReadyTag = ServiceHealthExtensions.ReadyTag;

    /// <summary>
    /// Liveness: the server answers (a stuck server does not, and fails the probe). Readiness:
    /// started, not draining (<c>shutdown</c>), the worker pool able to serve (<c>decode_workers</c>);
    /// the memory facts are reported beside it. A decode never affects either: it runs in a worker.
    /// </summary>
    public static IHostApplicationBuilder AddBackendHealth(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHealth()
            .AddCheck<MemoryReadinessCheck>("memory", tags: [ReadyTag])
            .AddCheck<DecodeWorkersReadinessCheck>("decode_workers", tags: [ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Public port (what the gateway's active checks and the orchestrator probe): <c>/health/live</c>
    /// and <c>/health/ready</c> with the status only. Management port: the same checks with their
    /// data (memory facts, budget, queue), as JSON (<see cref="ServiceHealthExtensions.MapServiceHealth"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapBackendHealth(this IEndpointRouteBuilder endpoints) => endpoints.MapServiceHealth();
}
