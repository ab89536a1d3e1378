namespace ImageGateway.TestSupport;

/// <summary>CRC-32 (ISO 3309), the PNG chunk checksum: the one implementation the crafted images share.</summary>
public static class Crc32
{
    /// <summary>The CRC of the concatenation of <paramref name="parts"/>.</summary>
    public static uint Compute(params ReadOnlySpan<byte[]> parts)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var part in parts)
        {
            foreach (var b in part)
            {
                crc ^= b;
                for (var k = 0; k < 8; k++)
                {
                    crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
                }
            }
        }

        return ~crc;
    }
}
