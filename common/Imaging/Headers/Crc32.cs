namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// CRC-32 (ISO 3309, the PNG chunk checksum), table-driven. Written by hand because
/// System.IO.Hashing is not available to this build; used only on small chunks (tRNS) whose bad
/// checksum libpng treats differently from ImageSharp, and by the PNG normaliser.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = CreateTable();

    /// <summary>The CRC of <paramref name="data"/> continued from <paramref name="crc"/> (start with 0).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var c = ~crc;
        foreach (var b in data)
        {
            c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        }

        return ~c;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
