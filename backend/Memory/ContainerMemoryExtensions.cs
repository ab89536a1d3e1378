using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Memory;

public static partial class ContainerMemoryExtensions
{
    /// <summary>
    /// Detects the container's memory limit and the GC heap hard limit, derives the decode budget from
    /// them (validated: a bad value stops start-up naming the key) and logs all three at start-up;
    /// bounds Kestrel's per-connection request buffers, which live on the same heap.
    /// </summary>
    public static IHostApplicationBuilder AddContainerMemory(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<MemoryOptions, MemoryOptionsValidator>()
            .Bind(builder.Configuration.GetSection(MemoryOptions.SectionName));

        builder.Services.AddSingleton(_ => ContainerMemory.Detect());
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<MemoryOptions>>().Value;
            var container = services.GetRequiredService<ContainerMemory>()
                .WithFallback(options.ContainerLimitBytes, $"{MemoryOptions.SectionName}:{nameof(MemoryOptions.ContainerLimitBytes)}");
            return MemoryBudget.Derive(container, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, GcHeapLimitIsExplicit(), options);
        });
        builder.Services.AddHostedService<MemoryBudgetReporter>();

        // Bodies waiting for admission sit in Kestrel's per-connection buffers, on the GC heap.
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<MemoryOptions>>((kestrel, memory) =>
        {
            kestrel.Limits.MaxRequestBufferSize = memory.Value.RequestBufferBytes;
            kestrel.Limits.MaxConcurrentConnections = memory.Value.MaxConnections;
        });
        return builder;
    }

    /// <summary>True when the GC heap hard limit was set (env or runtimeconfig), not implied by the runtime.</summary>
    private static bool GcHeapLimitIsExplicit() =>
        AppContext.GetData("GCHeapHardLimit") is not null || AppContext.GetData("GCHeapHardLimitPercent") is not null
        || Environment.GetEnvironmentVariable("DOTNET_GCHeapHardLimit") is not null
        || Environment.GetEnvironmentVariable("DOTNET_GCHeapHardLimitPercent") is not null;

    /// <summary>Resolves the budget at start-up (so a bad one stops the process) and logs it.</summary>
    private sealed partial class MemoryBudgetReporter(MemoryBudget budget, ILogger<MemoryBudget> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            LogBudget(logger, budget.ContainerLimitBytes, budget.ContainerLimitSource, budget.GcHeapLimitBytes, budget.DecodeBudgetBytes);
            if (!budget.GcHeapLimitExplicit)
            {
                LogImplicitHeapLimit(logger, budget.GcHeapLimitBytes);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(EventId = 100, Level = LogLevel.Information,
            Message = "Memory: container limit {ContainerLimitBytes} bytes ({ContainerLimitSource}); GC heap hard limit {GcHeapLimitBytes} bytes; decode budget {DecodeBudgetBytes} bytes")]
        private static partial void LogBudget(ILogger logger, long? containerLimitBytes, string containerLimitSource, long gcHeapLimitBytes, long decodeBudgetBytes);

        [LoggerMessage(EventId = 101, Level = LogLevel.Warning,
            Message = "No explicit GC heap hard limit (DOTNET_GCHeapHardLimit): the runtime's implied {GcHeapLimitBytes} bytes is used; set it from the container limit (deploy/lib/memory.sh)")]
        private static partial void LogImplicitHeapLimit(ILogger logger, long gcHeapLimitBytes);
    }
}
