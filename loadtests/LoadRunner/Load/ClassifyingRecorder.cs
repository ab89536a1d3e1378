using ImageGateway.LoadRunner.Classification;
using ImageGateway.LoadRunner.Payloads;
using ImageGateway.LoadRunner.Statistics;
using ImageGateway.TestSupport.Load;

namespace ImageGateway.LoadRunner.Load;

/// <summary>
/// The load runner's part of a run on the shared <see cref="LoadClient"/>: picks payloads from the mix,
/// classifies each answer against its payload's expectation (<see cref="ResponseClassifier"/>) and
/// records it in <see cref="RunStatistics"/>, for counted phases only (warm-up is sent, not counted).
/// </summary>
public sealed class ClassifyingRecorder : ILoadObserver<Payload>
{
    private readonly LoadClient _client;
    private readonly RunStatistics _statistics;

    private ClassifyingRecorder(LoadClient client, RunStatistics statistics)
    {
        _client = client;
        _statistics = statistics;
    }

    /// <summary>Runs <paramref name="phases"/> of payloads from <paramref name="mix"/> on <paramref name="client"/>, recording into <paramref name="statistics"/>.</summary>
    public static Task RunAsync(LoadClient client, PayloadMix mix, RunStatistics statistics, IReadOnlyList<Phase> phases, CancellationToken stop) =>
        client.RunAsync(phases, mix.Next, static p => p.Upload, new ClassifyingRecorder(client, statistics), stop);

    public void OnSent(Phase phase, Payload item)
    {
        if (phase.Counted)
        {
            _statistics.RecordSent();
        }
    }

    public void OnAnswered(Phase phase, Payload item, UploadOutcome outcome, TimeSpan latency)
    {
        if (phase.Counted)
        {
            _statistics.RecordCompleted(item.Kind, item.Name, item.IsLegit, ResponseClassifier.Classify(outcome, item.Expectation), latency, _client.MeasuredElapsed);
        }
    }
}
