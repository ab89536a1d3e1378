using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Dispatch;

/// <summary>
/// How uploads wait for capacity and how they are shed, bound from the <c>Dispatch</c> section.
/// Capacity itself is not configured: it is what the destinations' load reports say.
/// </summary>
public sealed class DispatchOptions
{
    public const string SectionName = "Dispatch";

    /// <summary>
    /// The longest an upload may expect to wait in the dispatch queue, and the longest it does wait.
    /// An upload whose expected wait (bytes ahead of it / the measured drain rate) is over it is shed
    /// at once (503 <c>overloaded</c>); one still waiting after it is shed then. Default 2 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MaxQueueWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Uploads this gateway sends at once to a destination that has not reported its load yet (just
    /// added, or its reports do not parse). Default 1: one at a time until it says what it can take.
    /// </summary>
    [Range(1, 1024)]
    public int UnreportedUploads { get; set; } = 1;

    /// <summary>
    /// How long the answer to an upload shed at once (its expected wait over the bound, before or after
    /// the peek) is held back. The decision is immediate and the upload holds nothing meanwhile (no
    /// capacity, no queue place, no body read past the peek), but a client that ignores
    /// <c>Retry-After</c> and retries at once would otherwise turn every refusal into another request:
    /// measured with 128 such clients against one 50 MiB backend, answering at once gave ~800 refusals
    /// a second and cut goodput from 79 to 27 counted a second; the pause bounds each such client to one
    /// refusal per pause. Default 1 s; 0 answers at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan ShedPause { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest <c>Retry-After</c> a shed upload is given. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The largest fraction of the capacity one client may hold at once; over it the client is
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

    /// <summary>The YARP cluster whose destinations are dispatched to. Default <c>backends</c>.</summary>
    [Required]
    public string ClusterId { get; set; } = "backends";
}

/// <summary>Checks <see cref="DispatchOptions"/> at start-up (source-generated from the attributes); a bad value names its key.</summary>
[OptionsValidator]
public sealed partial class DispatchOptionsValidator : IValidateOptions<DispatchOptions>;
