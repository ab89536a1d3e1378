using ImageGateway.Backend.Decoding;

namespace ImageGateway.Backend.Tests.Decoding;

public sealed class WorkerProtocolTests
{
    [Fact]
    public void Frame_WrittenFields_ReadBackInOrderBehindAFiveByteHeader()
    {
        var frame = new PayloadWriter().Int64(-5_000_000_000).Int32(42).String("jpeg é").Int64(7).Frame(WorkerOp.Facts).ToArray();

        // Header by hand: operation byte, then the payload length little-endian.
        Assert.Equal(0x82, frame[0]);
        var length = frame[1] | (frame[2] << 8) | (frame[3] << 16) | (frame[4] << 24);
        Assert.Equal(frame.Length - 5, length);
        Assert.Equal((WorkerOp.Facts, length), WorkerProtocol.ReadHeader(frame));
        var reader = new PayloadReader(frame.AsSpan(5));
        Assert.Equal(-5_000_000_000, reader.Int64());
        Assert.Equal(42, reader.Int32());
        Assert.Equal("jpeg é", reader.String());
        Assert.Equal(7, reader.Int64());
    }

    [Fact]
    public void PayloadReader_FieldBeyondThePayload_IsAProtocolError()
    {
        var payload = new PayloadWriter().Int32(1).Written.ToArray();

        Assert.Throws<InvalidDataException>(() => new PayloadReader(payload).Int64());
    }

    [Fact]
    public void ReadHeader_NegativeLength_IsAProtocolError()
    {
        byte[] header = [(byte)WorkerOp.Counted, 0xFF, 0xFF, 0xFF, 0xFF];

        Assert.Throws<InvalidDataException>(() => WorkerProtocol.ReadHeader(header));
    }

    [Fact]
    public void String_LongerThanTheCap_IsCutTo8KiBOfCharacters()
    {
        var payload = new PayloadWriter().String(new string('x', 20_000)).Written.ToArray();

        Assert.Equal(8 * 1024, new PayloadReader(payload).String().Length);
    }
}
