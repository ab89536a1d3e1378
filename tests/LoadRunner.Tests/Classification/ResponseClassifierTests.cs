using System.Text;
using ImageGateway.LoadRunner.Classification;
using ImageGateway.LoadRunner.Payloads;

namespace ImageGateway.LoadRunner.Tests.Classification;

public sealed class ResponseClassifierTests
{
    private static readonly Expectation Count42 = Expectation.Counted(42);
    private static readonly Expectation Reject422 = Expectation.Rejected(422);

    [Fact]
    public void Classify_200WithExpectedCount_IsCountRight() =>
        AssertOutcome(Outcome.CountRight, "200", 200, false, """{"white_pixel_count":42,"width":7,"height":6,"format":"png"}""", Count42);

    [Fact]
    public void Classify_200WithOtherCount_IsCountWrong() =>
        AssertOutcome(Outcome.CountWrong, "200", 200, false, """{"format":"png","white_pixel_count":41}""", Count42);

    [Fact]
    public void Classify_200WithinLossyTolerance_IsCountRight() =>
        AssertOutcome(Outcome.CountRight, "200", 200, false, """{"white_pixel_count":45}""", Expectation.Counted(42, tolerance: 3));

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"white_pixel_count":"42"}""")]
    [InlineData("""{"white_pixel_count":-1}""")]
    [InlineData("""{"count":42}""")]
    [InlineData("")]
    public void Classify_200WithoutTheDocumentedBody_IsCountWrong(string body) =>
        AssertOutcome(Outcome.CountWrong, "200 unreadable-body", 200, false, body, Count42);

    [Fact]
    public void Classify_200ForInputThatMustBeRefused_IsHostileAccepted() =>
        AssertOutcome(Outcome.HostileAccepted, "200", 200, false, """{"white_pixel_count":0}""", Reject422);

    [Fact]
    public void Classify_DocumentedExpected4xx_IsRejected() =>
        AssertOutcome(Outcome.Rejected, "422 image-too-large", 422, false, Problem("image-too-large", 422), Reject422);

    [Fact]
    public void Classify_Documented4xxForLegitImage_IsUnexpectedRejection() =>
        AssertOutcome(Outcome.UnexpectedRejection, "422 corrupt-image", 422, false, Problem("corrupt-image", 422), Count42);

    [Theory]
    [InlineData("image-too-complex")]
    [InlineData("poison-image")]
    public void Classify_422TypesOfTheDecodeWorkersAndHeaderModel_AreDocumentedRejections(string type) =>
        AssertOutcome(Outcome.Rejected, $"422 {type}", 422, false, Problem(type, 422), Reject422);

    [Fact]
    public void Classify_500WithTheCatalogueInternalErrorType_IsStillAServerError() =>
        Assert.Equal(Outcome.ServerError, ResponseClassifier.Classify(500, false, Encoding.UTF8.GetBytes(Problem("internal-error", 500)), Count42).Outcome);

    [Fact]
    public void Classify_4xxWithTypeOfAnotherStatus_IsUndocumented() =>
        AssertOutcome(Outcome.Undocumented, "415 image-too-large", 415, false, Problem("image-too-large", 415), Expectation.Rejected(415));

    [Fact]
    public void Classify_404WithoutProblemType_IsUndocumented() =>
        AssertOutcome(Outcome.Undocumented, "404", 404, false, string.Empty, Count42);

    [Fact]
    public void Classify_503OverloadedWithRetryAfter_IsShed() =>
        AssertOutcome(Outcome.Shed, "503 overloaded", 503, true, Problem("overloaded", 503), Count42);

    [Fact]
    public void Classify_429OverQuotaWithRetryAfter_IsShed() =>
        AssertOutcome(Outcome.Shed, "429 client-over-quota", 429, true, Problem("client-over-quota", 429), Count42);

    [Fact]
    public void Classify_503WithoutRetryAfter_IsUnavailableWithoutRetryAfter() =>
        AssertOutcome(Outcome.UnavailableWithoutRetryAfter, "503 no-healthy-backend", 503, false, Problem("no-healthy-backend", 503), Count42);

    [Fact]
    public void Classify_429WithoutRetryAfter_IsUndocumented() =>
        AssertOutcome(Outcome.Undocumented, "429 client-over-quota", 429, false, Problem("client-over-quota", 429), Count42);

    [Theory]
    [InlineData(500, "")]
    [InlineData(502, """{"type":"urn:image-gateway:problem:backend-failed","status":502}""")]
    [InlineData(504, """{"type":"urn:image-gateway:problem:backend-timeout","status":504}""")]
    public void Classify_Other5xx_IsServerError(int status, string body) =>
        Assert.Equal(Outcome.ServerError, ResponseClassifier.Classify(status, true, Encoding.UTF8.GetBytes(body), Count42).Outcome);

    [Fact]
    public void FailureFacts_OnlyRightCountsExpectedRejectionsAndSheddingAreNotFailures()
    {
        var notFailures = OutcomeFacts.All.Where(o => !o.IsFailure()).ToHashSet();

        Assert.Equal(new HashSet<Outcome> { Outcome.CountRight, Outcome.Rejected, Outcome.Shed }, notFailures);
        Assert.Equal(OutcomeFacts.All.Count, OutcomeFacts.All.Select(o => o.Name()).Distinct().Count());
    }

    private static string Problem(string type, int status) =>
        $$"""{"type":"urn:image-gateway:problem:{{type}}","title":"t","status":{{status}},"detail":"d"}""";

    private static void AssertOutcome(Outcome outcome, string label, int status, bool retryAfter, string body, Expectation expectation)
    {
        var result = ResponseClassifier.Classify(status, retryAfter, Encoding.UTF8.GetBytes(body), expectation);

        Assert.Equal(new ImageGateway.LoadRunner.Classification.Classification(outcome, label), result);
    }
}
