using ImageGateway.Backend.Memory;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Decoding;

public static class DecodingExtensions
{
    /// <summary>
    /// Registers the decode workers: their options (validated at start-up), the decode budget (what one
    /// worker can hold), the worker pool (started eagerly with the host, before Kestrel listens; stopped
    /// after it), the poison memory, the deadlines, and the <see cref="UploadDecoder"/> the counting
    /// endpoint calls (needs <c>AddDecodeAdmission</c> and <c>AddContainerMemory</c>).
    /// </summary>
    public static IHostApplicationBuilder AddDecodeWorkers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<DecodingOptions, DecodingOptionsValidator>()
            .Bind(builder.Configuration.GetSection(DecodingOptions.SectionName));
        builder.Services.AddSingleton(services => WorkerCommand.Resolve(services.GetRequiredService<IOptions<DecodingOptions>>().Value.WorkerHeapHardLimit));
        builder.Services.AddSingleton(DeriveBudget);
        builder.Services.AddSingleton<DecodeWorkerMetrics>();
        builder.Services.AddSingleton<DecodeDeadlines>();
        builder.Services.AddSingleton<PoisonUploads>();
        builder.Services.AddSingleton<DecodeWorkerPool>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DecodeWorkerPool>());
        builder.Services.AddSingleton<UploadDecoder>();
        return builder;
    }

    /// <summary>
    /// The decode budget is spent in the workers, one upload per worker, so it is what one worker's
    /// heap (<see cref="DecodingOptions.WorkerHeapHardLimit"/>) can hold (<see cref="MemoryBudget.Derive"/>).
    /// </summary>
    private static MemoryBudget DeriveBudget(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<MemoryOptions>>().Value;
        var container = services.GetRequiredService<ContainerMemory>()
            .WithFallback(options.ContainerLimitBytes, $"{MemoryOptions.SectionName}:{nameof(MemoryOptions.ContainerLimitBytes)}");
        var gcHeapLimit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var setting = Environment.GetEnvironmentVariable(GcHeapHardLimit.Variable);
        GcHeapHardLimit.CheckInForce(setting, gcHeapLimit);
        var workerHeap = services.GetRequiredService<IOptions<DecodingOptions>>().Value.WorkerHeapHardLimit is { } hex
            ? GcHeapHardLimit.ParseBytes(hex)
            : null;
        return MemoryBudget.Derive(container, gcHeapLimit, setting is not null, options, workerHeap);
    }
}
