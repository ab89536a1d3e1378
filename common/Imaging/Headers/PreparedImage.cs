using ImageGateway.Common.Problems;

namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// The body the backend hands to ImageSharp after <see cref="ImageHeaders.Prepare"/>: the body itself,
/// a normalised copy (same count, a structure ImageSharp 2.1.13 reads as the reference decoders do),
/// or a refusal found in the image data.
/// </summary>
public readonly record struct PreparedImage
{
    private PreparedImage(ReadOnlyMemory<byte> body, ProblemType? problem, string? detail)
    {
        Body = body;
        Problem = problem;
        Detail = detail;
    }

    /// <summary>The bytes to decode, when not refused.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The problem type, when refused.</summary>
    public ProblemType? Problem { get; }

    /// <summary>Why, when refused.</summary>
    public string? Detail { get; }

    public bool IsRefused => Problem is not null;

    public static PreparedImage Decode(ReadOnlyMemory<byte> body) => new(body, null, null);

    public static PreparedImage Corrupt(string detail) => new(default, ProblemTypes.CorruptImage, detail);
}
