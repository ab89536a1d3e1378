using System.ComponentModel.DataAnnotations;

namespace ImageGateway.Gateway.Throttling;

/// <summary>
/// The decode budget uploads are weighed against, bound from the <c>Throttling</c> section.
/// An upload costs what its backend will hold while decoding it: the body plus the decoded pixels
/// (4 bytes a pixel, 8 when samples are 16-bit).
/// </summary>
public sealed class ThrottlingOptions
{
    public const string SectionName = "Throttling";

    /// <summary>The rate-limiter policy name routes refer to (<c>RateLimiterPolicy</c> in the YARP route).</summary>
    public const string PolicyName = "image-decode-budget";

    /// <summary>
    /// Bytes one backend can spend decoding at once. Default 14 MiB, the decode budget a backend
    /// derives in a 50 MiB container (GC heap 29 MiB from deploy/lib/memory.sh, less its 15 MiB
    /// managed reserve; reported by its /health/ready): the gateway queues what the backends could
    /// not take at once instead of forwarding it to be refused there.
    /// </summary>
    [Range(64 * 1024, long.MaxValue)]
    public long DecodeBudgetBytesPerBackend { get; set; } = 14L * 1024 * 1024;

    /// <summary>
    /// How many backends share the load. Default 0: the number of destinations configured for
    /// <see cref="ClusterId"/> at start-up.
    /// </summary>
    [Range(0, 10_000)]
    public int BackendCount { get; set; }

    /// <summary>The YARP cluster whose destinations are counted when <see cref="BackendCount"/> is 0. Default <c>backends</c>.</summary>
    [Required]
    public string ClusterId { get; set; } = "backends";

    /// <summary>Bytes one permit stands for. Default 64 KiB; a thumbnail takes one, a 4-megapixel photo about 260.</summary>
    [Range(1024, 64L * 1024 * 1024)]
    public int PermitBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// How many whole budgets of uploads may wait in the queue (oldest first) before new ones are
    /// answered 503. Default 2.
    /// </summary>
    [Range(0, 100)]
    public int QueueBudgets { get; set; } = 2;

    /// <summary>
    /// The largest fraction of the whole budget one client may hold at once; over it the client is
    /// answered 429 while others are served. Default 0 (off): behind an ingress every client may
    /// share one address, and a lone client should get the whole capacity. Turn it on (e.g. 0.5) where
    /// clients send <see cref="ClientKeyHeader"/>.
    /// </summary>
    [Range(0.0, 1.0)]
    public double ClientShare { get; set; }

    /// <summary>
    /// The request header that names a client (an API key); requests without it are keyed by
    /// remote address. Default <c>X-Api-Key</c>.
    /// </summary>
    [Required]
    public string ClientKeyHeader { get; set; } = "X-Api-Key";

    /// <summary>The <c>Retry-After</c> sent with a 503 when the budget and its queue are full. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);
}
