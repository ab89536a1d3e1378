using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ImageGateway.Fuzzing;

/// <summary>
/// The structure-aware mutator: from a seed file, one to three mutations drawn from a seeded
/// <see cref="Random"/> (so an input is reproduced from the run's seed and its index): duplicate,
/// drop and reorder structures; lie in a length, count or dimension field; insert bytes (or another
/// seed's structure) between structures; cut at a structural boundary; and byte-level mutations.
/// PNG chunk CRCs are recomputed after most mutations (else nearly every input would only test the
/// CRC check).
/// </summary>
internal static class Mutator
{
    /// <summary>Largest input made; a mutation that would grow past it is undone.</summary>
    public const int MaxInputBytes = 1 << 20;

    private static readonly string[] Operations =
    [
        "duplicate", "drop", "swap", "lie", "lie", "lie", "insert", "splice", "cut", "flip", "set-byte", "insert-bytes", "delete-bytes", "truncate",
    ];

    /// <summary>A mutant of <paramref name="seed"/> and a description of how it was made.</summary>
    public static (byte[] Bytes, string Description) Mutate(Random random, Seed seed, IReadOnlyList<Seed> sameFormat)
    {
        var bytes = seed.Bytes;
        var steps = new List<string>();
        var count = 1 + random.Next(3);
        for (var i = 0; i < count && bytes.Length > 1; i++)
        {
            var layout = Layout.Of(seed.Format, bytes);
            var operation = Operations[random.Next(Operations.Length)];
            var (mutated, step) = Apply(random, operation, layout, sameFormat);
            if (mutated is not null && mutated.Length <= MaxInputBytes)
            {
                bytes = mutated;
                steps.Add(step);
            }
        }

        if (seed.Format == "png" && random.Next(100) < 85)
        {
            bytes = bytes.ToArray();
            Layout.FixPngCrcs(bytes);
        }
        else if (seed.Format == "png")
        {
            steps.Add("CRCs left as they fell");
        }

        return (bytes, steps.Count == 0 ? "unchanged" : string.Join("; ", steps));
    }

    private static (byte[]? Bytes, string Step) Apply(Random random, string operation, Layout layout, IReadOnlyList<Seed> sameFormat)
    {
        var bytes = layout.Bytes;
        var units = layout.Units;
        var body = units.Count > 1 ? units.Skip(1).ToList() : units; // the signature stays first, mostly
        switch (operation)
        {
            case "duplicate" when body.Count > 0:
            {
                var unit = body[random.Next(body.Count)];
                var at = random.Next(2) == 0 ? unit.End : Pick(random, layout.Boundaries.ToList());
                return (Insert(bytes, at, bytes.AsSpan(unit.Start, unit.Length)), $"duplicate {unit.Name}@{unit.Start} at {at}");
            }

            case "drop" when body.Count > 0:
            {
                var unit = body[random.Next(body.Count)];
                return (Remove(bytes, unit.Start, unit.Length), $"drop {unit.Name}@{unit.Start}");
            }

            case "swap" when body.Count > 1:
            {
                var a = random.Next(body.Count);
                var b = random.Next(body.Count);
                if (a == b)
                {
                    return (null, string.Empty);
                }

                var (first, second) = a < b ? (body[a], body[b]) : (body[b], body[a]);
                var swapped = new List<byte>(bytes.Length);
                swapped.AddRange(bytes.AsSpan(0, first.Start));
                swapped.AddRange(bytes.AsSpan(second.Start, second.Length));
                swapped.AddRange(bytes.AsSpan(first.End, second.Start - first.End));
                swapped.AddRange(bytes.AsSpan(first.Start, first.Length));
                swapped.AddRange(bytes.AsSpan(second.End));
                return (swapped.ToArray(), $"swap {first.Name}@{first.Start} and {second.Name}@{second.Start}");
            }

            case "lie" when layout.Fields.Count > 0:
            {
                // Dimension fields are the most interesting lies; weigh them up.
                var dimensions = layout.Fields.Where(f => f.Dimension).ToList();
                var field = dimensions.Count > 0 && random.Next(3) == 0 ? Pick(random, dimensions) : Pick(random, layout.Fields);
                var original = field.Read(bytes);
                var value = Lie(random, original, field, bytes.Length);
                return (Write(bytes, field, value), $"lie in {field.Name}@{field.Offset}: {original} -> {value}");
            }

            case "insert":
            {
                var at = Pick(random, layout.Boundaries.ToList());
                var inserted = Filler(random, layout.Format);
                return (Insert(bytes, at, inserted), $"insert {inserted.Length} bytes ({Convert.ToHexString(inserted.AsSpan(0, Math.Min(8, inserted.Length)))}) at {at}");
            }

            case "splice" when sameFormat.Count > 0:
            {
                var donor = Pick(random, sameFormat);
                var donorLayout = Layout.Of(donor.Format, donor.Bytes);
                var donorUnits = donorLayout.Units.Skip(1).Where(u => u.Length <= 64 * 1024).ToList();
                if (donorUnits.Count == 0)
                {
                    return (null, string.Empty);
                }

                var unit = Pick(random, donorUnits);
                var at = Pick(random, layout.Boundaries.ToList());
                return (Insert(bytes, at, donor.Bytes.AsSpan(unit.Start, unit.Length)), $"splice {unit.Name} of {donor.Name} at {at}");
            }

            case "cut":
            {
                var at = Math.Clamp(Pick(random, layout.Boundaries.ToList()) + random.Next(-2, 3), 1, bytes.Length);
                return (bytes[..at], $"cut at {at} of {bytes.Length}");
            }

            case "flip" when bytes.Length > 0:
            {
                var flipped = bytes.ToArray();
                var flips = 1 + random.Next(4);
                var where = new List<string>();
                for (var i = 0; i < flips; i++)
                {
                    var at = random.Next(flipped.Length);
                    flipped[at] ^= (byte)(1 << random.Next(8));
                    where.Add(at.ToString(CultureInfo.InvariantCulture));
                }

                return (flipped, $"flip bits at {string.Join(',', where)}");
            }

            case "set-byte" when bytes.Length > 0:
            {
                var set = bytes.ToArray();
                var at = random.Next(set.Length);
                set[at] = Pick<byte>(random, [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF, (byte)random.Next(256)]);
                return (set, $"set byte {at} to {set[at]:X2}");
            }

            case "insert-bytes":
            {
                var at = random.Next(bytes.Length + 1);
                var inserted = new byte[1 + random.Next(16)];
                random.NextBytes(inserted);
                return (Insert(bytes, at, inserted), $"insert {inserted.Length} random bytes at {at}");
            }

            case "delete-bytes" when bytes.Length > 1:
            {
                var at = random.Next(bytes.Length);
                var length = Math.Min(1 + random.Next(16), bytes.Length - at);
                return (Remove(bytes, at, length), $"delete {length} bytes at {at}");
            }

            case "truncate" when bytes.Length > 1:
            {
                var at = 1 + random.Next(bytes.Length - 1);
                return (bytes[..at], $"truncate to {at} of {bytes.Length}");
            }

            default:
                return (null, string.Empty);
        }
    }

    /// <summary>A lie for <paramref name="field"/>: edge values, neighbours, the file's own length, random.</summary>
    private static ulong Lie(Random random, ulong original, Field field, int fileLength)
    {
        var max = field.Kind == FieldKind.Decimal ? 99_999UL : field.Size >= 8 ? ulong.MaxValue : (1UL << (8 * field.Size)) - 1;
        ulong[] candidates =
        [
            0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 255, 256, 65535, 16384, 16385, max, max - 1, max / 2, max / 2 + 1,
            original + 1, original - 1, original * 2, original / 2, original + 8, original - 8, original << 8, original >> 8,
            (ulong)fileLength, (ulong)fileLength - (ulong)field.Offset, (ulong)fileLength * 100,
            (ulong)random.NextInt64(),
        ];
        var value = Pick(random, candidates);
        return field.Kind == FieldKind.Decimal ? value % 100_000 : value & max;
    }

    private static byte[] Write(byte[] bytes, Field field, ulong value)
    {
        if (field.Kind == FieldKind.Decimal)
        {
            var digits = Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));
            var written = new List<byte>(bytes.Length + digits.Length);
            written.AddRange(bytes.AsSpan(0, field.Offset));
            written.AddRange(digits);
            written.AddRange(bytes.AsSpan(field.Offset + field.Size));
            return written.ToArray();
        }

        var copy = bytes.ToArray();
        for (var i = 0; i < field.Size; i++)
        {
            var shift = field.Kind == FieldKind.BigEndian ? 8 * (field.Size - 1 - i) : 8 * i;
            copy[field.Offset + i] = (byte)(value >> shift);
        }

        return copy;
    }

    /// <summary>Bytes to put between structures: what a format's decoders skip, choke on, or misread.</summary>
    private static byte[] Filler(Random random, string format)
    {
        switch (random.Next(5))
        {
            case 0:
                return new byte[1 + random.Next(8)];
            case 1:
                return Enumerable.Repeat((byte)0xFF, 1 + random.Next(8)).ToArray();
            case 2 when format == "pbm":
                return Encoding.ASCII.GetBytes(Pick(random, [" ", "\n", "\r", "#x\r", "# c\n", "\t", "0", "1 "]));
            case 2 when format == "jpeg":
                // An empty or tiny marker segment: APPn, COM, JPGn, DNL, restart.
                var marker = Pick<byte>(random, [0xE0, 0xE1, 0xFE, 0xF0, 0xF7, 0xDC, 0xD0, 0xC8, 0x01]);
                return marker is 0xD0 or 0x01 ? [(byte)0xFF, marker] : [(byte)0xFF, marker, 0x00, 0x02];
            case 2 when format == "png":
                // An empty chunk of a random critical or ancillary type, with its CRC (fixed later).
                var type = Pick(random, ["IDAT", "IEND", "tEXt", "PLTE", "tRNS", "acTL", "zzZz"]);
                return TestSupport.CraftedPng.Chunk(type, []);
            case 2 when format == "gif":
                return Pick(random, new byte[][] { [0x00], [0x3B], [0x21, 0xFE, 0x00], [0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00] });
            case 2 when format == "webp":
                var fourCc = Pick(random, ["VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "JUNK"]);
                var riff = new byte[8];
                Encoding.ASCII.GetBytes(fourCc).CopyTo(riff, 0);
                return riff;
            default:
                var random8 = new byte[1 + random.Next(8)];
                random.NextBytes(random8);
                return random8;
        }
    }

    private static byte[] Insert(byte[] bytes, int at, ReadOnlySpan<byte> inserted)
    {
        var result = new byte[bytes.Length + inserted.Length];
        bytes.AsSpan(0, at).CopyTo(result);
        inserted.CopyTo(result.AsSpan(at));
        bytes.AsSpan(at).CopyTo(result.AsSpan(at + inserted.Length));
        return result;
    }

    private static byte[] Remove(byte[] bytes, int at, int length)
    {
        var result = new byte[bytes.Length - length];
        bytes.AsSpan(0, at).CopyTo(result);
        bytes.AsSpan(at + length).CopyTo(result.AsSpan(at));
        return result;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
