using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Decoding;

public static class DecodingExtensions
{
    /// <summary>
    /// Registers the decode workers: their options (validated at start-up), the worker pool (started
    /// eagerly with the host, before Kestrel listens; stopped after it), the poison memory, the
    /// deadlines, and the <see cref="UploadDecoder"/> the counting endpoint calls (needs
    /// <c>AddDecodeAdmission</c> and <c>AddContainerMemory</c>).
    /// </summary>
    public static IHostApplicationBuilder AddDecodeWorkers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<DecodingOptions, DecodingOptionsValidator>()
            .Bind(builder.Configuration.GetSection(DecodingOptions.SectionName));
        builder.Services.AddSingleton<IValidateOptions<DecodingOptions>, DecodingOptionsRules>();
        builder.Services.AddSingleton(services => WorkerCommand.Resolve(services.GetRequiredService<IOptions<DecodingOptions>>().Value.WorkerHeapHardLimit));
        builder.Services.AddSingleton<DecodeWorkerMetrics>();
        builder.Services.AddSingleton<DecodeDeadlines>();
        builder.Services.AddSingleton<PoisonUploads>();
        builder.Services.AddSingleton<DecodeWorkerPool>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DecodeWorkerPool>());
        builder.Services.AddSingleton<UploadDecoder>();
        return builder;
    }
}
