using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Memory;

public static partial class ContainerMemoryExtensions
{
    /// <summary>
    /// Detects the container's memory limit and binds the memory options (validated: a bad value stops
    /// start-up naming the key); logs the memory facts and the decode budget at start-up, which stops
    /// the process when no budget can be derived (<c>AddDecodeWorkers</c> derives it: it is what one
    /// decode worker can hold); bounds Kestrel's per-connection request buffers, which live on the same heap.
    /// </summary>
    public static IHostApplicationBuilder AddContainerMemory(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<MemoryOptions, MemoryOptionsValidator>()
            .Bind(builder.Configuration.GetSection(MemoryOptions.SectionName));

        builder.Services.AddSingleton(_ => ContainerMemory.Detect());
        builder.Services.AddHostedService<MemoryBudgetReporter>();

        // Bodies waiting for admission sit in per-connection buffers from Kestrel's pinned memory pool,
        // on the GC heap. Both the socket transport (1 MiB a connection by default) and Kestrel
        // (1 MiB) are bounded: measured under 64 clients, the defaults grew the pinned heap to 22 MiB.
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<MemoryOptions>>((kestrel, memory) =>
        {
            kestrel.Limits.MaxRequestBufferSize = memory.Value.RequestBufferBytes;
            kestrel.Limits.MaxConcurrentConnections = memory.Value.MaxConnections;
        });
        builder.Services.AddOptions<SocketTransportOptions>().Configure<IOptions<MemoryOptions>>((sockets, memory) =>
            sockets.MaxReadBufferSize = memory.Value.RequestBufferBytes);
        return builder;
    }

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
