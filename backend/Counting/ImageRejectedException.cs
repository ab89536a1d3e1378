using ImageGateway.Common.Problems;

namespace ImageGateway.Backend.Counting;

/// <summary>The client's image cannot be counted; <see cref="Problem"/> says how to answer.</summary>
public sealed class ImageRejectedException(ProblemType problem, string detail, Exception? inner = null)
    : Exception(detail, inner)
{
    public ProblemType Problem { get; } = problem;
}
