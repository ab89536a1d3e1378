using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Server;

/// <summary>
/// Block sizes of the connections' buffers, bound from the <c>ConnectionBuffers</c> section: bigger
/// blocks than Kestrel's 4 KiB, so an upload is received in fewer, larger reads, within a budget
/// (see <see cref="ConnectionBufferPoolFactory"/>).
/// </summary>
public sealed class ConnectionBufferOptions
{
    public const string SectionName = "ConnectionBuffers";

    /// <summary>Size of a large block, in bytes. Default 64 KiB.</summary>
    [Range(4096, 1024 * 1024)]
    public int BlockBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Most bytes of large blocks lent out at once, across all connections; past it, connections get
    /// Kestrel's own 4 KiB blocks. Default 16 MiB; 0 turns large blocks off.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long BudgetBytes { get; set; } = 16L * 1024 * 1024;
}

/// <summary>Checks <see cref="ConnectionBufferOptions"/> at start-up (source-generated from the attributes); a bad value names its key.</summary>
[OptionsValidator]
public sealed partial class ConnectionBufferOptionsValidator : IValidateOptions<ConnectionBufferOptions>;
