using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Decoding;

/// <summary>
/// The decode workers: how many, their memory, their deadlines and the poison memory. Bound from the
/// <c>Decoding</c> section; validated at start-up (a bad value stops the process naming its key).
/// </summary>
public sealed class DecodingOptions
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
}

/// <summary>Source-generated validation of the ranges of <see cref="DecodingOptions"/> (no reflection: Native AOT).</summary>
[OptionsValidator]
public sealed partial class DecodingOptionsValidator : IValidateOptions<DecodingOptions>;

/// <summary>The rules of <see cref="DecodingOptions"/> that compare fields or read a format.</summary>
public sealed class DecodingOptionsRules : IValidateOptions<DecodingOptions>
{
    public ValidateOptionsResult Validate(string? name, DecodingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Within(failures, nameof(DecodingOptions.MinimumDeadline), options.MinimumDeadline, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1));
        Within(failures, nameof(DecodingOptions.MaximumDeadline), options.MaximumDeadline, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5));
        Within(failures, nameof(DecodingOptions.StallTimeout), options.StallTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5));
        Within(failures, nameof(DecodingOptions.PoisonLifetime), options.PoisonLifetime, TimeSpan.FromSeconds(1), TimeSpan.FromDays(7));
        Within(failures, nameof(DecodingOptions.WorkerStartTimeout), options.WorkerStartTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));
        if (options.MinimumDeadline > options.MaximumDeadline)
        {
            failures.Add($"{DecodingOptions.SectionName}:{nameof(DecodingOptions.MinimumDeadline)} ({options.MinimumDeadline}) is longer than {DecodingOptions.SectionName}:{nameof(DecodingOptions.MaximumDeadline)} ({options.MaximumDeadline}).");
        }

        if (options.MaximumDeadline > options.StallTimeout)
        {
            failures.Add($"{DecodingOptions.SectionName}:{nameof(DecodingOptions.MaximumDeadline)} ({options.MaximumDeadline}) is longer than {DecodingOptions.SectionName}:{nameof(DecodingOptions.StallTimeout)} ({options.StallTimeout}): a decode could never use its CPU deadline.");
        }

        if (options.WorkerHeapHardLimit is { } limit && !IsHeapLimit(limit))
        {
            failures.Add($"{DecodingOptions.SectionName}:{nameof(DecodingOptions.WorkerHeapHardLimit)} is '{limit}'; it must be a byte count in hexadecimal digits without 0x, as DOTNET_GCHeapHardLimit wants it (deploy/lib/memory.sh), at least 4 MiB (400000).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // TimeSpan ranges are checked here: [Range(typeof(TimeSpan), ...)] converts through reflection (not trimmable).
    private static void Within(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{DecodingOptions.SectionName}:{key} must be {min} to {max}, not {value}.");
        }
    }

    /// <summary>The heap limit in bytes that <paramref name="hex"/> states, or null when it is not plain hexadecimal digits.</summary>
    public static long? HeapLimitBytes(string hex) =>
        hex.Length is > 0 and <= 15 && hex.All(Uri.IsHexDigit)
            && long.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bytes)
            ? bytes
            : null;

    private static bool IsHeapLimit(string hex) => HeapLimitBytes(hex) >= 4L * 1024 * 1024;
}
