using ImageGateway.Common.Imaging.Headers;

namespace ImageGateway.Gateway.Inspection;

/// <summary>
/// The request feature the inspection leaves for later stages (dispatch weighs the upload by it):
/// what the header model said, how many bytes the body declares, and what decoding it will cost a backend.
/// </summary>
/// <param name="Facts">The image facts read from the peeked prefix.</param>
/// <param name="BodyBytes">Content-Length, or the peek window when the body is streamed without one.</param>
/// <param name="DecodeBytes">The backend's own estimate of decoding it (<see cref="ImageGateway.Common.Imaging.DecodeCostEstimator"/>).</param>
public sealed record InspectedUpload(ImageFacts Facts, long BodyBytes, long DecodeBytes);
