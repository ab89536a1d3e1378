using System.ComponentModel.DataAnnotations;

namespace ImageGateway.Backend.Admission;

/// <summary>How long and how much work may wait for the decode budget. Bound from the <c>Admission</c> section.</summary>
public sealed class AdmissionOptions
{
    public const string SectionName = "Admission";

    /// <summary>
    /// Bytes of work (bodies plus decode estimates) that may wait for the budget, as a multiple of
    /// the budget. Beyond it a request is answered 503 at once. Default 1 (one budget's worth waits).
    /// </summary>
    [Range(0.0, 16.0)]
    public double QueueBudgets { get; set; } = 1.0;

    /// <summary>Longest wait for the budget before 503. Default 2 s (so every answer comes well within 5 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The <c>Retry-After</c> sent with a 503. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);
}
