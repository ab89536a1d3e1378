using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Memory;

/// <summary>
/// How the backend sizes its decode budget from its container. Bound from the <c>Memory</c> section.
/// The container limit is detected from the process's own memory cgroup; the GC heap hard limit is
/// the runtime's (set by <c>DOTNET_GCHeapHardLimit</c>, derived by <c>deploy/lib/memory.sh</c>).
/// </summary>
public sealed class MemoryOptions
{
    public const string SectionName = "Memory";

    /// <summary>
    /// The container's memory limit in bytes, used only where no cgroup limit can be detected (a
    /// launcher that could not make a cgroup states what it would have used). Default: none.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long? ContainerLimitBytes { get; set; }

    /// <summary>
    /// GC heap kept for everything that is not a decode or a request body: Kestrel, routing, logging,
    /// metrics, and the GC's own gen0 slack. The decode budget is the GC heap hard limit minus this.
    /// Default 15 MiB, measured in a cold 50 MiB cgroup under 64 clients: about 4-5 MiB of long-lived
    /// objects, 1.5 MiB of pinned connection buffers, and 8-10 MiB the GC commits beyond the live heap
    /// (bookkeeping and allocation since the last collection). With 8-13 MiB, admitted decodes ran out
    /// of memory (503) and, in some runs, so did Kestrel's own buffer allocations (dropped connections).
    /// Connection buffers are bounded by <see cref="RequestBufferBytes"/> and <see cref="MaxConnections"/>.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long ManagedReserveBytes { get; set; } = 15L * 1024 * 1024;

    /// <summary>
    /// An explicit decode budget in bytes, for tests and for operators who want less than the derived
    /// one; it may not exceed the derived budget. Default: none (derive it).
    /// </summary>
    [Range(1, long.MaxValue)]
    public long? DecodeBudgetBytes { get; set; }

    /// <summary>
    /// <c>/health/ready</c> answers 503 while the GC heap has less room than this. Default 2 MiB.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MinimumHeadroomBytes { get; set; } = 2L * 1024 * 1024;

    /// <summary>
    /// Bytes Kestrel buffers per connection of a request body nobody is reading yet (a request waiting
    /// for admission). Kestrel's 1 MiB default times 64 waiting clients would be more than the heap.
    /// Default 32 KiB.
    /// </summary>
    [Range(4096, 1048576)]
    public long RequestBufferBytes { get; set; } = 32 * 1024;

    /// <summary>
    /// Most connections served at once; with <see cref="RequestBufferBytes"/> it bounds connection
    /// buffers (128 x 32 KiB = 4 MiB, inside <see cref="ManagedReserveBytes"/>). Default 128.
    /// </summary>
    [Range(1, 100000)]
    public long MaxConnections { get; set; } = 128;

    /// <summary>The smallest decode budget the backend starts with; below it start-up fails. 4 MiB.</summary>
    public const long MinimumDecodeBudgetBytes = 4L * 1024 * 1024;
}

/// <summary>Source-generated validation of <see cref="MemoryOptions"/> (no reflection, so it works under Native AOT).</summary>
[OptionsValidator]
public sealed partial class MemoryOptionsValidator : IValidateOptions<MemoryOptions>;
