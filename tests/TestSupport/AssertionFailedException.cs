namespace ImageGateway.TestSupport;

/// <summary>
/// A failed check in a TestSupport assertion (<see cref="ProblemAssert"/>,
/// <see cref="CorpusExpectations.AssertCount"/>). TestSupport is shared with programs that are not
/// tests (the load runner, the benchmarks, the fuzzer), so it does not reference xunit; any test
/// framework reports an unexpected exception as a failure with this message.
/// </summary>
public sealed class AssertionFailedException(string message) : Exception(message);
