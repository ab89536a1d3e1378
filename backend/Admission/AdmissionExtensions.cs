namespace ImageGateway.Backend.Admission;

public static class AdmissionExtensions
{
    /// <summary>Registers admission by cost over the decode budget (needs the budget: <c>AddContainerMemory</c> and <c>AddDecodeWorkers</c>).</summary>
    public static IHostApplicationBuilder AddDecodeAdmission(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<AdmissionOptions, AdmissionOptionsValidator>()
            .Bind(builder.Configuration.GetSection(AdmissionOptions.SectionName));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DecodeAdmission>();
        return builder;
    }
}
