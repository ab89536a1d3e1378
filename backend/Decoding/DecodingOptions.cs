using System.ComponentModel.DataAnnotations;
using ImageGateway.Backend.Memory;
using ImageGateway.Common.Settings;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Decoding;

/// <summary>
/// The decode workers: how many, their memory, their deadlines and the poison memory. Bound from the
/// <c>Decoding</c> section; validated at start-up (a bad value stops the process naming its key).
/// </summary>
public sealed class DecodingOptions : IValidatableObject
{
    public const string SectionName = "Decoding";

    /// <summary>
    /// Worker processes, each decoding one upload at a time. Default: <see cref="Environment.ProcessorCount"/>,
    /// which follows the container's CPU limit; deployments set it with the memory split
    /// (<c>deploy/lib/memory.sh</c>: every worker at rest costs memory the decode budget then lacks). 1 to 64.
    /// </summary>
    [Range(1, 64)]
    public int? Workers { get; set; }

    /// <summary>
    /// Each worker's <c>DOTNET_GCHeapHardLimit</c>: hexadecimal digits without <c>0x</c> (Native AOT
    /// ignores a prefixed value), from <c>deploy/lib/memory.sh</c>. One worker may need the whole decode
    /// budget for one large image, so each gets about that much; the sum over workers is bounded by
    /// admission, not by these limits. Default: none (the worker's runtime picks one from the container).
    /// </summary>
    public string? WorkerHeapHardLimit { get; set; }

    /// <summary>The least CPU time any decode gets, however small the image. Default 1 s; 10 ms to 1 min.</summary>
    public TimeSpan MinimumDeadline { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The most CPU time any decode gets, however large the image: well below the gateway's 30 s
    /// forwarding timeout, so a runaway decode is answered 422 by the backend, not 504 by the gateway.
    /// Default 10 s; 10 ms to 5 min.
    /// </summary>
    public TimeSpan MaximumDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The most wall-clock time one exchange with a worker (reading headers, decoding) may take,
    /// whatever CPU it used: past it the worker is killed and the upload answered 503, not poison (it
    /// did not use its CPU deadline: the backend was starved or short of memory). Below the gateway's
    /// 30 s forwarding timeout. Default 20 s; 10 ms to 5 min, at least <see cref="MaximumDeadline"/>.
    /// </summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How many times its measured decode time (<see cref="DecodeDeadlines"/>) a decode may take
    /// before it is killed: generous, because the CPU is shared with the other workers and the rest
    /// of the machine. Default 10; 0.001 to 1000.
    /// </summary>
    [Range(0.001, 1000)]
    public double DeadlineFactor { get; set; } = 10;

    /// <summary>Body hashes of poison uploads remembered at once; the oldest is forgotten first. Default 4096; 1 to 1,000,000.</summary>
    [Range(1, 1_000_000)]
    public int PoisonCapacity { get; set; } = 4096;

    /// <summary>How long a poison upload is remembered. Default 1 h; 1 s to 7 days.</summary>
    public TimeSpan PoisonLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a new worker may take to answer Ready. Default 10 s (a JIT worker on a busy machine needs about 1 s); 1 s to 2 min.</summary>
    public TimeSpan WorkerStartTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Failed starts in a row after which the pool is in a crash loop (not ready) until a start
    /// succeeds; a worker killed by an upload does not count, only one that cannot start. Default 3; 1 to 100.
    /// </summary>
    [Range(1, 100)]
    public int CrashLoopStarts { get; set; } = 3;

    /// <summary>The worker count in force: <see cref="Workers"/>, or one per processor.</summary>
    public int EffectiveWorkers => Workers ?? Math.Clamp(Environment.ProcessorCount, 1, 64);

    /// <summary>The least heap a worker may be given: 4 MiB (400000 in hexadecimal).</summary>
    public const long MinimumWorkerHeapBytes = 4L * 1024 * 1024;

    /// <summary>
    /// The rules the annotations cannot state: time ranges, the deadlines' order, the heap limit's
    /// format. Called by <see cref="DecodingOptionsValidator"/> after the ranges.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => OptionRules.Failures(
        OptionRules.Within(MinimumDeadline, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1), SectionName, nameof(MinimumDeadline)),
        OptionRules.Within(MaximumDeadline, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5), SectionName, nameof(MaximumDeadline)),
        OptionRules.Within(StallTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5), SectionName, nameof(StallTimeout)),
        OptionRules.Within(PoisonLifetime, TimeSpan.FromSeconds(1), TimeSpan.FromDays(7), SectionName, nameof(PoisonLifetime)),
        OptionRules.Within(WorkerStartTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), SectionName, nameof(WorkerStartTimeout)),
        MinimumDeadline <= MaximumDeadline ? null : OptionRules.Failure(SectionName, nameof(MinimumDeadline),
            $"({MinimumDeadline}) is longer than {SectionName}:{nameof(MaximumDeadline)} ({MaximumDeadline})"),
        MaximumDeadline <= StallTimeout ? null : OptionRules.Failure(SectionName, nameof(MaximumDeadline),
            $"({MaximumDeadline}) is longer than {SectionName}:{nameof(StallTimeout)} ({StallTimeout}): a decode could never use its CPU deadline"),
        WorkerHeapHardLimit is not { } limit || GcHeapHardLimit.ParseBytes(limit) >= MinimumWorkerHeapBytes ? null : OptionRules.Failure(SectionName, nameof(WorkerHeapHardLimit),
            $"is '{limit}'; it must be a byte count in hexadecimal digits without 0x, as {GcHeapHardLimit.Variable} wants it (deploy/lib/memory.sh), at least 4 MiB (400000)"));
}

/// <summary>Source-generated validation of <see cref="DecodingOptions"/> (no reflection: Native AOT): its ranges, then its <see cref="DecodingOptions.Validate"/>.</summary>
[OptionsValidator]
public sealed partial class DecodingOptionsValidator : IValidateOptions<DecodingOptions>;
