using System.Text.Json.Serialization;

namespace ImageGateway.Backend.Counting;

/// <summary>The answer to one counting request.</summary>
public sealed record CountResult(
    [property: JsonPropertyName("white_pixel_count")] long WhitePixelCount,
    [property: JsonPropertyName("width")] int Width,
    [property: JsonPropertyName("height")] int Height,
    [property: JsonPropertyName("format")] string Format);
