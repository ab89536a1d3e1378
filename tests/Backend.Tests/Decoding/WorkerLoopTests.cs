using ImageGateway.Backend.Decoding;
using ImageGateway.Common.Problems;
using ImageGateway.TestSupport;

namespace ImageGateway.Backend.Tests.Decoding;

/// <summary>
/// A decode worker's side of the protocol, run in this process over in-memory streams: the frames a
/// server sends, the answers it gets, with ImageSharp really decoding. Counts come from images whose
/// white pixels are known by construction (<see cref="GeneratedImages"/>).
/// </summary>
public sealed class WorkerLoopTests
{
    private static readonly (byte[] Bytes, long White) Png = GeneratedImages.Create(GeneratedKind.PngRgb, 640, 480);

    [Fact]
    public void Conversation_OrdinaryPng_AnswersItsFactsThenTheConstructedCount_WithinTheReservation()
    {
        var answers = Converse(
            Frame(WorkerOp.BodyStart, w => w.Int64(Png.Bytes.Length)),
            Data(Png.Bytes),
            Frame(WorkerOp.Identify),
            Frame(WorkerOp.Decode, w => w.Int64(64L << 20)));

        var facts = Single(answers, WorkerOp.Facts);
        var cost = facts.Int64();
        Assert.Equal((640, 480, 1, "png"), (facts.Int32(), facts.Int32(), facts.Int32(), facts.String()));
        var counted = Single(answers, WorkerOp.Counted);
        Assert.Equal(Png.White, counted.Int64());
        Assert.Equal((640, 480, "png"), (counted.Int32(), counted.Int32(), counted.String()));
        var peak = counted.Int64();
        Assert.InRange(peak, 640 * 480, cost); // at least the one-byte mask, at most the estimate
        Assert.True(counted.Int64() >= 0);
    }

    [Fact]
    public void Decode_UnderALimitSmallerThanTheImageNeeds_IsRefusedAsNotWhatItsHeaderSays()
    {
        var answers = Converse(
            Frame(WorkerOp.BodyStart, w => w.Int64(Png.Bytes.Length)),
            Data(Png.Bytes),
            Frame(WorkerOp.Identify),
            Frame(WorkerOp.Decode, w => w.Int64(100_000)));

        var refused = Single(answers, WorkerOp.Refused);
        Assert.Equal(ProblemTypes.CorruptImage.Type, refused.String());
        Assert.Contains("more memory than this image's header promised", refused.String(), StringComparison.Ordinal);
        Assert.InRange(refused.Int64(), 0, 100_000);
    }

    [Fact]
    public void Body_GrownWhileItArrives_IsWholeWhenIdentified()
    {
        var answers = Converse(
            Frame(WorkerOp.BodyStart, w => w.Int64(100)),
            Data(Png.Bytes[..100]),
            Frame(WorkerOp.BodyGrow, w => w.Int64(Png.Bytes.Length)),
            Data(Png.Bytes[100..]),
            Frame(WorkerOp.Identify),
            Frame(WorkerOp.Decode, w => w.Int64(64L << 20)));

        Assert.Equal(Png.White, Single(answers, WorkerOp.Counted).Int64());
    }

    [Fact]
    public void Identify_NotAnImage_IsRefusedWithItsProblemType_AndTheNextBodyIsServed()
    {
        var junk = Enumerable.Range(0, 300).Select(i => (byte)(i * 7)).ToArray();
        var answers = Converse(
            Frame(WorkerOp.BodyStart, w => w.Int64(junk.Length)),
            Data(junk),
            Frame(WorkerOp.Identify),
            Frame(WorkerOp.BodyStart, w => w.Int64(Png.Bytes.Length)),
            Data(Png.Bytes),
            Frame(WorkerOp.Discard),
            Frame(WorkerOp.BodyStart, w => w.Int64(Png.Bytes.Length)),
            Data(Png.Bytes),
            Frame(WorkerOp.Identify));

        Assert.Equal(ProblemTypes.NotAnImage.Type, Single(answers, WorkerOp.Refused).String());
        Assert.Equal(640, Single(answers, WorkerOp.Facts).Skip64().Int32());
    }

    [Fact]
    public void FaultMarker_WithoutTheTestSwitch_IsJustBytesThatAreNotAnImage()
    {
        var order = "IGW-TEST-FAULT:crash@identify"u8.ToArray();
        var answers = Converse(Frame(WorkerOp.BodyStart, w => w.Int64(order.Length)), Data(order), Frame(WorkerOp.Identify));

        Assert.Equal(ProblemTypes.NotAnImage.Type, Single(answers, WorkerOp.Refused).String());
    }

    [Fact]
    public void BodyData_BeyondWhatWasReserved_IsAProtocolError()
    {
        Assert.Throws<InvalidDataException>(() => Converse(Frame(WorkerOp.BodyStart, w => w.Int64(10)), Data(new byte[11])));
    }

    private static List<(WorkerOp Op, byte[] Payload)> Converse(params byte[][] frames)
    {
        var configure = Frame(WorkerOp.Configure, w => w.Int32(16384).Int32(16384).Int64(40_000_000));
        using var input = new MemoryStream([.. configure, .. frames.SelectMany(f => f)]);
        using var output = new MemoryStream();
        new WorkerLoop(input, output, TestFaults.FromEnvironment()).Run();

        var answers = new List<(WorkerOp, byte[])>();
        var bytes = output.ToArray().AsSpan();
        while (bytes.Length > 0)
        {
            var (op, length) = WorkerProtocol.ReadHeader(bytes);
            answers.Add((op, bytes.Slice(WorkerProtocol.HeaderBytes, length).ToArray()));
            bytes = bytes[(WorkerProtocol.HeaderBytes + length)..];
        }

        Assert.Equal(WorkerOp.Ready, answers[0].Item1);
        return answers;
    }

    private static byte[] Frame(WorkerOp op, Func<PayloadWriter, PayloadWriter>? payload = null) =>
        (payload?.Invoke(new PayloadWriter()) ?? new PayloadWriter()).Frame(op).ToArray();

    private static byte[] Data(byte[] bytes)
    {
        var frame = new byte[WorkerProtocol.HeaderBytes + bytes.Length];
        WorkerProtocol.WriteHeader(frame, WorkerOp.BodyData, bytes.Length);
        bytes.CopyTo(frame, WorkerProtocol.HeaderBytes);
        return frame;
    }

    private static Fields Single(List<(WorkerOp Op, byte[] Payload)> answers, WorkerOp op) =>
        new(Assert.Single(answers, a => a.Op == op).Payload);

    /// <summary>A payload read field by field (a class, so assertions can hold it across calls).</summary>
    private sealed class Fields(byte[] payload)
    {
        private int _at;

        public long Int64() => Read(8, s => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(s));

        public int Int32() => Read(4, s => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(s));

        public string String()
        {
            var length = Read(2, s => System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(s));
            return Read(length, s => System.Text.Encoding.UTF8.GetString(s));
        }

        public Fields Skip64()
        {
            Int64();
            return this;
        }

        private T Read<T>(int bytes, SpanFunc<T> read)
        {
            var value = read(payload.AsSpan(_at, bytes));
            _at += bytes;
            return value;
        }

        private delegate T SpanFunc<T>(ReadOnlySpan<byte> span);
    }
}
