using ImageGateway.Backend.Decoding;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
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
            var gcHeapLimit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            var setting = Environment.GetEnvironmentVariable(HeapHardLimitVariable);
            CheckHeapHardLimitInForce(setting, gcHeapLimit);
            var workerHeap = services.GetRequiredService<IOptions<DecodingOptions>>().Value.WorkerHeapHardLimit is { } hex
                ? DecodingOptionsRules.HeapLimitBytes(hex)
                : null;
            return MemoryBudget.Derive(container, gcHeapLimit, setting is not null, options, workerHeap);
        });
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

    /// <summary>The variable deploy/lib/memory.sh (and compose, Kubernetes) sets from the container limit.</summary>
    public const string HeapHardLimitVariable = "DOTNET_GCHeapHardLimit";

    /// <summary>
    /// Stops start-up when <c>DOTNET_GCHeapHardLimit</c> is set but the GC does not enforce it: the
    /// Native AOT runtime silently ignores a value written with a <c>0x</c> prefix, and a backend
    /// without its hard limit turns overruns into kernel OOM kills.
    /// </summary>
    /// <exception cref="InvalidOperationException">The setting is malformed or not in force.</exception>
    public static void CheckHeapHardLimitInForce(string? setting, long gcHeapLimitBytes)
    {
        if (setting is null)
        {
            return;
        }

        var digits = setting.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? setting[2..] : setting;
        if (!long.TryParse(digits, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var requested) || requested <= 0)
        {
            throw new InvalidOperationException($"{HeapHardLimitVariable} is '{setting}'; it must be a byte count in hexadecimal without 0x (deploy/lib/memory.sh).");
        }

        if (requested != gcHeapLimitBytes)
        {
            throw new InvalidOperationException(
                $"{HeapHardLimitVariable} is '{setting}' ({requested} bytes) but the GC's hard limit is {gcHeapLimitBytes} bytes: the runtime did not take the setting (Native AOT ignores a 0x prefix; write hexadecimal digits only, as deploy/lib/memory.sh does).");
        }
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
