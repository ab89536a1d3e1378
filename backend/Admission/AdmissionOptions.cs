using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Admission;

/// <summary>How long and how much work may wait for the decode budget. Bound from the <c>Admission</c> section.</summary>
public sealed class AdmissionOptions
{
    public const string SectionName = "Admission";

    /// <summary>
    /// Bytes of work (bodies plus decode estimates) that may wait for the budget, as a multiple of
    /// the budget. Beyond it a request is answered 503 at once. Default 1 (one budget's worth waits); 0 to 16.
    /// </summary>
    public double QueueBudgets { get; set; } = 1.0;

    /// <summary>Longest wait for the budget before 503. Default 2 s (so every answer comes well within 5 s); at most 30 s.</summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The <c>Retry-After</c> sent with a 503. Default 1 s; 1 s to 1 min.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Checks <see cref="AdmissionOptions"/> at start-up; a bad value stops the process naming its key.</summary>
public sealed class AdmissionOptionsValidator : IValidateOptions<AdmissionOptions>
{
    public ValidateOptionsResult Validate(string? name, AdmissionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.QueueBudgets is < 0 or > 16 || double.IsNaN(options.QueueBudgets))
        {
            failures.Add($"{AdmissionOptions.SectionName}:{nameof(AdmissionOptions.QueueBudgets)} must be 0 to 16, not {options.QueueBudgets}.");
        }

        if (options.QueueTimeout < TimeSpan.Zero || options.QueueTimeout > TimeSpan.FromSeconds(30))
        {
            failures.Add($"{AdmissionOptions.SectionName}:{nameof(AdmissionOptions.QueueTimeout)} must be 0 to 30 s, not {options.QueueTimeout}.");
        }

        if (options.RetryAfter < TimeSpan.FromSeconds(1) || options.RetryAfter > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{AdmissionOptions.SectionName}:{nameof(AdmissionOptions.RetryAfter)} must be 1 s to 1 min, not {options.RetryAfter}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
