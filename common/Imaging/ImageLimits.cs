namespace ImageGateway.Common.Imaging;

/// <summary>
/// The default limits on an upload, shared by the gateway (<c>Inspection</c>) and the backend
/// (<c>Counting</c>) so the gateway never refuses what a backend with defaults would count.
/// </summary>
public static class ImageLimits
{
    /// <summary>Largest body: 32 MiB.</summary>
    public const long DefaultMaxBodyBytes = 32L * 1024 * 1024;

    /// <summary>Largest width: 16384 pixels.</summary>
    public const int DefaultMaxWidth = 16_384;

    /// <summary>Largest height: 16384 pixels.</summary>
    public const int DefaultMaxHeight = 16_384;

    /// <summary>Largest width x height: 40 megapixels.</summary>
    public const long DefaultMaxPixels = 40_000_000;
}
