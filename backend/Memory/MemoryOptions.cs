using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Memory;

/// <summary>
/// How the backend sizes its decode budget from its container. Bound from the <c>Memory</c> section.
/// The container limit is detected from the process's own memory cgroup; the server's and each
/// worker's GC heap hard limits and the decode budget come from one rule, <c>deploy/lib/memory.sh</c>.
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
    /// A decode worker's GC heap kept for what is not an upload's body or image memory: the worker's
    /// own objects (the decoder configuration, tables, the protocol's buffers) and what the GC commits
    /// beyond the live objects while a decode runs. The derived decode budget is the worker's heap hard
    /// limit (<c>Decoding:WorkerHeapHardLimit</c>) minus this, so one worker can always hold the whole
    /// budget. Default 2 MiB (docs/backend.md, "Memory split", has the measurement).
    /// </summary>
    [Range(1, long.MaxValue)]
    public long WorkerReserveBytes { get; set; } = 2L * 1024 * 1024;

    /// <summary>
    /// An explicit decode budget in bytes, for tests and for operators who want less than the derived
    /// one; it may not exceed the derived budget. Default: none (derive it).
    /// </summary>
    [Range(1, long.MaxValue)]
    public long? DecodeBudgetBytes { get; set; }

    /// <summary>
    /// Bytes Kestrel buffers per connection of a request body nobody is reading yet (a request waiting
    /// for admission). Kestrel's 1 MiB default times 64 waiting clients would be more than the heap.
    /// Default 32 KiB.
    /// </summary>
    [Range(4096, 1048576)]
    public long RequestBufferBytes { get; set; } = 32 * 1024;

    /// <summary>
    /// Most connections served at once; with <see cref="RequestBufferBytes"/> it bounds connection
    /// buffers (128 x 32 KiB = 4 MiB, inside the server's GC heap hard limit). Default 128.
    /// </summary>
    [Range(1, 100000)]
    public long MaxConnections { get; set; } = 128;

    /// <summary>The smallest decode budget the backend starts with; below it start-up fails. 4 MiB.</summary>
    public const long MinimumDecodeBudgetBytes = 4L * 1024 * 1024;
}

/// <summary>Source-generated validation of <see cref="MemoryOptions"/> (no reflection, so it works under Native AOT).</summary>
[OptionsValidator]
public sealed partial class MemoryOptionsValidator : IValidateOptions<MemoryOptions>;
