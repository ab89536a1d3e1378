using System.ComponentModel.DataAnnotations;
using ImageGateway.Common.Settings;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Admission;

/// <summary>How long and how much work may wait for the decode budget. Bound from the <c>Admission</c> section.</summary>
public sealed class AdmissionOptions : IValidatableObject
{
    public const string SectionName = "Admission";

    /// <summary>
    /// Bytes of work (bodies plus decode estimates) that may wait for the budget, as a multiple of
    /// the budget. Beyond it a request is answered 503 at once. The queue is in bytes, not requests, so
    /// it must hold a few budgets or the largest images, which need most of one, would find it full
    /// behind small ones and never get in (measured under 64 clients with 1: none did). Default 8; 0 to 16.
    /// </summary>
    [Range(0.0, 16.0)]
    public double QueueBudgets { get; set; } = 8.0;

    /// <summary>
    /// Requests that may wait at once, whatever their size; beyond it a request is answered 503 at
    /// once. Counting requests as well as bytes keeps the queue first come, first served for large
    /// images too, and a short queue drains within <see cref="QueueTimeout"/>: measured under 64
    /// clients on 2 cores, 32 waiting requests mostly timed out and the largest images never got
    /// through; with 8 they did. Default 8; 0 to 4096.
    /// </summary>
    [Range(0, 4096)]
    public int QueueRequests { get; set; } = 8;

    /// <summary>Longest wait for the budget before 503. Default 2 s (so every answer comes well within 5 s); at most 30 s.</summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The <c>Retry-After</c> sent with a 503. Default 1 s; 1 s to 1 min.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The rules the annotations cannot state (time ranges); called by <see cref="AdmissionOptionsValidator"/>.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => OptionRules.Failures(
        OptionRules.Within(QueueTimeout, TimeSpan.Zero, TimeSpan.FromSeconds(30), SectionName, nameof(QueueTimeout)),
        OptionRules.Within(RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), SectionName, nameof(RetryAfter)));
}

/// <summary>Source-generated validation of <see cref="AdmissionOptions"/> (no reflection: Native AOT): its ranges, then its <see cref="AdmissionOptions.Validate"/>.</summary>
[OptionsValidator]
public sealed partial class AdmissionOptionsValidator : IValidateOptions<AdmissionOptions>;
