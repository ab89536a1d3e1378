using System.Text;
using ImageGateway.LoadRunner.Classification;
using ImageGateway.LoadRunner.Load;
using ImageGateway.LoadRunner.Payloads;
using ImageGateway.LoadRunner.Statistics;
using ImageGateway.TestSupport.Load;

namespace ImageGateway.LoadRunner.Tests.Load;

/// <summary>The load runner's statistics on the shared load client (the loop itself: TestSupport.Tests/Load/LoadClientTests).</summary>
public sealed class ClassifyingRecorderTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);
    private static readonly Payload Legit = new("legit/png", "a.png", [1], "image/png", Expectation.Counted(1));
    private static readonly Payload Hostile = new("hostile/x", "x", [2], "image/png", Expectation.Rejected(422));
    private static readonly UploadOutcome Right = Answer(200, """{"white_pixel_count":1}""");

    /// <summary>
    /// Answers that, for a legit payload (count 1) and a hostile one (refused with 422), fall in every
    /// outcome class between them: worked out by hand from the classification table in docs/load-testing.md.
    /// </summary>
    private static readonly UploadOutcome[] EveryKind =
    [
        Right, // count-right (legit), hostile-accepted (hostile)
        Answer(200, """{"white_pixel_count":9}"""), // count-wrong (legit)
        Answer(422, """{"type":"urn:image-gateway:problem:image-too-large","status":422}"""), // unexpected-rejection (legit), rejected (hostile)
        Answer(404, string.Empty), // undocumented
        Answer(503, """{"type":"urn:image-gateway:problem:overloaded","status":503}""") with { RetryAfter = TimeSpan.FromSeconds(1) }, // shed
        Answer(503, """{"type":"urn:image-gateway:problem:overloaded","status":503}"""), // 503 without Retry-After
        Answer(500, string.Empty), // server error
        UploadOutcome.Timeout(TimeSpan.FromSeconds(1)),
        UploadOutcome.ConnectionError(new HttpRequestException("refused")),
    ];

    [Fact]
    public async Task Open_ManyConcurrentAnswersOfEveryKind_NoRequestLost()
    {
        var next = 0;
        var sender = new FakeSender(async _ =>
        {
            var i = Interlocked.Increment(ref next);
            await Task.Delay(i % 7);
            return EveryKind[i % EveryKind.Length];
        });
        var stats = new RunStatistics();
        var client = new LoadClient(sender, maxInFlight: 8, seed: 1);

        await ClassifyingRecorder.RunAsync(client, new PayloadMix([Legit], [Hostile], 0.5), stats, [new Phase("steady", TimeSpan.FromMilliseconds(500), LoadModel.Open, 400, 1)], CancellationToken.None).WaitAsync(TestTimeout);

        var snapshot = stats.Snapshot();
        Assert.Equal(200, snapshot.Sent);
        Assert.Equal(200, snapshot.Completed);
        Assert.Equal(0, snapshot.Lost);
        Assert.Equal(200, snapshot.Outcomes.Values.Sum());
        Assert.Equal(200, snapshot.ByKind.Values.Sum(k => k.Values.Sum()));
        Assert.Equal(200, snapshot.Seconds.Sum(s => s.Completed));
        Assert.All(OutcomeFacts.All, o => Assert.True(snapshot.Count(o) > 0, o.ToString()));
        var progress = stats.Progress();
        Assert.Equal((snapshot.Sent, snapshot.Completed, snapshot.Failures, snapshot.Count(Outcome.Shed), snapshot.Count(Outcome.Rejected)),
            (progress.Sent, progress.Completed, progress.Failures, progress.Shed, progress.Rejected));
    }

    [Fact]
    public async Task Open_SenderThrows_RequestIsCountedAsLost()
    {
        var calls = 0;
        var sender = new FakeSender(_ => Interlocked.Increment(ref calls) == 3 ? throw new InvalidOperationException("runner bug") : Task.FromResult(Right));
        var stats = new RunStatistics();
        var client = new LoadClient(sender, maxInFlight: 4, seed: 1);

        await ClassifyingRecorder.RunAsync(client, new PayloadMix([Legit], [], 0), stats, [new Phase("steady", TimeSpan.FromMilliseconds(200), LoadModel.Open, 50, 1)], CancellationToken.None).WaitAsync(TestTimeout);

        var snapshot = stats.Snapshot();
        Assert.Equal(10, snapshot.Sent);
        Assert.Equal(9, snapshot.Completed);
        Assert.Equal(1, snapshot.Lost);
        Assert.IsType<InvalidOperationException>(client.LastError);
    }

    [Fact]
    public async Task WarmUpPhase_IsSentButNotCounted()
    {
        var sent = 0;
        var sender = new FakeSender(_ =>
        {
            Interlocked.Increment(ref sent);
            return Task.FromResult(Right);
        });
        var stats = new RunStatistics();
        var client = new LoadClient(sender, maxInFlight: 4, seed: 1);

        await ClassifyingRecorder.RunAsync(
            client,
            new PayloadMix([Legit], [], 0),
            stats,
            [
                new Phase("warm-up", TimeSpan.FromMilliseconds(200), LoadModel.Open, 50, 1, Counted: false),
                new Phase("steady", TimeSpan.FromMilliseconds(200), LoadModel.Open, 50, 1),
            ],
            CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(20, sent);
        Assert.Equal(10, stats.Snapshot().Sent);
        Assert.Equal(10, stats.Snapshot().Completed);
        Assert.Equal(10, stats.Snapshot().Count(Outcome.CountRight));
    }

    private static UploadOutcome Answer(int status, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return new UploadOutcome(status, AnswerJson.ReadProblemType(bytes)) { Body = bytes };
    }

    private sealed class FakeSender(Func<Upload, Task<UploadOutcome>> send) : IUploadSender
    {
        public Task<UploadOutcome> SendAsync(Upload upload) => send(upload);
    }
}
