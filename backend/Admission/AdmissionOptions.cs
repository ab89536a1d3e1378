using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Admission;

/// <summary>How long and how much work may wait for the decode budget. Bound from the <c>Admission</c> section.</summary>
public sealed class AdmissionOptions
{
    public const string SectionName = "Admission";

    /// <summary>
    /// Bytes of work (bodies plus decode estimates) that may wait for the budget, as a multiple of
    /// the budget. Beyond it a request is answered 503 at once. The queue is in bytes, not requests, so
    /// it must hold a few budgets or the largest images, which need most of one, would find it full
    /// behind small ones and never get in (measured under 64 clients with 1: none did). Default 8; 0 to 16.
    /// </summary>
    public double QueueBudgets { get; set; } = 8.0;

    /// <summary>
    /// Requests that may wait at once, whatever their size; beyond it a request is answered 503 at
    /// once. Counting requests as well as bytes keeps the queue first come, first served for large
    /// images too, and a short queue drains within <see cref="QueueTimeout"/>: measured under 64
    /// clients on 2 cores, 32 waiting requests mostly timed out and the largest images never got
    /// through; with 8 they did. Default 8; 0 to 4096.
    /// </summary>
    public int QueueRequests { get; set; } = 8;

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

        if (options.QueueRequests is < 0 or > 4096)
        {
            failures.Add($"{AdmissionOptions.SectionName}:{nameof(AdmissionOptions.QueueRequests)} must be 0 to 4096, not {options.QueueRequests}.");
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
