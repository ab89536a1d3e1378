namespace ImageGateway.TestSupport;

/// <summary>Entropy-coded bits, most significant first, with 0xFF byte stuffing and 1-padding.</summary>
internal sealed class JpegBitWriter(Stream stream)
{
    private int _buffer;
    private int _count;

    public void Write(int value, int length)
    {
        for (var i = length - 1; i >= 0; i--)
        {
            _buffer = (_buffer << 1) | ((value >> i) & 1);
            if (++_count == 8)
            {
                Emit();
            }
        }
    }

    public void Flush()
    {
        while (_count != 0)
        {
            Write(1, 1);
        }
    }

    private void Emit()
    {
        stream.WriteByte((byte)_buffer);
        if (_buffer == 0xFF)
        {
            stream.WriteByte(0x00);
        }

        _buffer = 0;
        _count = 0;
    }
}
