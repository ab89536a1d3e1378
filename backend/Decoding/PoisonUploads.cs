using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Decoding;

/// <summary>
/// The body hashes of poison uploads (a decode that crashed its worker or ran past its deadline),
/// remembered for <see cref="DecodingOptions.PoisonLifetime"/>, at most
/// <see cref="DecodingOptions.PoisonCapacity"/> at once, oldest forgotten first: an identical body
/// seen again is refused without decoding. Bounded in both count and time so an attacker who sends
/// endless distinct poison uploads costs a fixed amount of memory (about 100 bytes a hash).
/// <para>
/// Written by hand rather than on <c>MemoryCache</c>: at its size limit <c>MemoryCache</c> refuses new
/// entries and compacts later on the thread pool, where this set must take the newest poison upload at
/// once and forget the oldest.
/// </para>
/// </summary>
public sealed class PoisonUploads(IOptions<DecodingOptions> options, TimeProvider time)
{
    private readonly int _capacity = options.Value.PoisonCapacity;
    private readonly TimeSpan _lifetime = options.Value.PoisonLifetime;
    private readonly Dictionary<BodyHash, Entry> _entries = [];
    private readonly Queue<BodyHash> _order = new();
    private readonly Lock _lock = new();

    /// <summary>Hashes remembered now (expired ones may still be counted until the next change).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Remembers <paramref name="hash"/> as poison for <paramref name="why"/>, forgetting the oldest beyond the capacity.</summary>
    public void Remember(BodyHash hash, WorkerEnd why)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_entries.ContainsKey(hash))
            {
                _entries[hash] = new Entry(now + _lifetime, now, why);
                return;
            }

            _entries[hash] = new Entry(now + _lifetime, now, why);
            _order.Enqueue(hash);
            while (_order.Count > 0 && (_entries.Count > _capacity || _entries[_order.Peek()].Expires <= now))
            {
                _entries.Remove(_order.Dequeue());
            }
        }
    }

    /// <summary>True, with when and why, when <paramref name="hash"/> is a poison upload remembered and not expired.</summary>
    public bool Contains(BodyHash hash, out DateTimeOffset since, out WorkerEnd why)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_entries.TryGetValue(hash, out var entry) && entry.Expires > now)
            {
                since = entry.Since;
                why = entry.Why;
                return true;
            }
        }

        since = default;
        why = WorkerEnd.None;
        return false;
    }

    private readonly record struct Entry(DateTimeOffset Expires, DateTimeOffset Since, WorkerEnd Why);
}

/// <summary>A body's SHA-256, held as four numbers (no array per hash).</summary>
public readonly record struct BodyHash(ulong A, ulong B, ulong C, ulong D)
{
    public const int Bytes = 32;

    public static BodyHash From(ReadOnlySpan<byte> sha256)
    {
        if (sha256.Length != Bytes)
        {
            throw new ArgumentException($"A SHA-256 is {Bytes} bytes, not {sha256.Length}.", nameof(sha256));
        }

        return new BodyHash(
            BinaryPrimitives.ReadUInt64BigEndian(sha256),
            BinaryPrimitives.ReadUInt64BigEndian(sha256[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(sha256[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(sha256[24..]));
    }

    /// <summary>The first 16 hex digits, enough to find the upload in logs.</summary>
    public override string ToString() => A.ToString("x16", CultureInfo.InvariantCulture);
}
