using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Buffering;

/// <summary>
/// Which uploads the gateway receives whole before they ask for capacity, and the memory it may spend
/// on them, bound from the <c>Buffering</c> section.
/// </summary>
public sealed class BufferingOptions
{
    public const string SectionName = "Buffering";

    /// <summary>
    /// Uploads with a <c>Content-Length</c> up to this are received whole into the buffer pool before
    /// they ask for capacity, so a slow client holds no backend's budget while it sends; larger ones
    /// (and chunked ones) stream as they arrive. Default 2 MiB; 0 turns buffering off.
    /// </summary>
    [Range(0, 64L * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 2L * 1024 * 1024;

    /// <summary>
    /// The most bytes the buffer pool holds at once, in blocks of <see cref="BufferPool.BlockBytes"/>.
    /// An upload that does not fit in what is left streams instead, like a large one. Default 64 MiB:
    /// 32 uploads of the largest buffered size, or 64 phone photos of 1 MiB.
    /// </summary>
    [Range(0, 16L * 1024 * 1024 * 1024)]
    public long PoolBytes { get; set; } = 64L * 1024 * 1024;
}

/// <summary>Checks <see cref="BufferingOptions"/> at start-up (source-generated from the attributes); a bad value names its key.</summary>
[OptionsValidator]
public sealed partial class BufferingOptionsValidator : IValidateOptions<BufferingOptions>;
