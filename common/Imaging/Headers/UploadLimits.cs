namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// The limits on one upload, the same record in the gateway (<c>Inspection</c> section) and the
/// backend (<c>Counting</c> section), so the gateway never refuses what a backend with the same
/// settings would count. <see cref="ImageHeaders.Read"/> applies the dimension limits to the facts.
/// </summary>
/// <param name="MaxBodyBytes">Largest body, in bytes; over it 413.</param>
/// <param name="MaxWidth">Largest decoded width, in pixels; over it 422 <c>image-too-large</c>.</param>
/// <param name="MaxHeight">Largest decoded height, in pixels; over it 422 <c>image-too-large</c>.</param>
/// <param name="MaxPixels">Largest width x height; over it 422 <c>image-too-large</c>.</param>
public sealed record UploadLimits(long MaxBodyBytes, int MaxWidth, int MaxHeight, long MaxPixels)
{
    /// <summary>Default largest body: 32 MiB.</summary>
    public const long DefaultMaxBodyBytes = 32L * 1024 * 1024;

    /// <summary>Default largest width: 16384 pixels.</summary>
    public const int DefaultMaxWidth = 16_384;

    /// <summary>Default largest height: 16384 pixels.</summary>
    public const int DefaultMaxHeight = 16_384;

    /// <summary>Default largest width x height: 40 megapixels.</summary>
    public const long DefaultMaxPixels = 40_000_000;

    /// <summary>The defaults both services start from.</summary>
    public static UploadLimits Default { get; } = new(DefaultMaxBodyBytes, DefaultMaxWidth, DefaultMaxHeight, DefaultMaxPixels);
}
