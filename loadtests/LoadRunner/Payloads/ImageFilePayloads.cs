using ImageGateway.TestSupport;

namespace ImageGateway.LoadRunner.Payloads;

/// <summary>
/// Image files given with <c>--image</c>, counted here by ImageSharp as 8-bit RGBA (white = all four
/// channels 255, <see cref="ImageSharpDecode"/>); JPEG gets docs/load-testing.md's tolerance,
/// max(16, pixels / 1000) (<see cref="CorpusExpectations.LossyTolerance(long)"/>).
/// </summary>
public static class ImageFilePayloads
{
    public static Payload Load(string path)
    {
        var body = File.ReadAllBytes(path);
        var decoded = ImageSharpDecode.Read(body);
        if (decoded.Failed)
        {
            throw new InvalidDataException($"--image {path}: ImageSharp cannot decode it ({decoded.Failure}).");
        }

        var isJpeg = body.Length > 2 && body[0] == 0xFF && body[1] == 0xD8;
        var tolerance = isJpeg ? CorpusExpectations.LossyTolerance((long)decoded.Width * decoded.Height) : 0;
        return new Payload("legit/file", Path.GetFileName(path), body, "application/octet-stream", Expectation.Counted(decoded.White, tolerance));
    }
}
