using System.Diagnostics.Metrics;
using ImageGateway.Common.Observability;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ImageGateway.Observability.Tests.Logging;

public sealed class RefusalLogSamplerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MetricCollector<long> _suppressed;
    private readonly RefusalLogSampler _sampler;

    public RefusalLogSamplerTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _suppressed = new MetricCollector<long>(meters, RefusalLogSampler.MeterName, "image_gateway.logging.refusals.suppressed");
        _sampler = new RefusalLogSampler(Options.Create(new RefusalLogOptions { PerInterval = 5, Interval = TimeSpan.FromSeconds(10) }), _time, meters);
    }

    [Fact]
    public void ShouldLog_SixthRefusalWithOneReasonInTheInterval_IsCountedNotLogged()
    {
        var logged = Enumerable.Range(0, 6).Select(_ => _sampler.ShouldLog("not-an-image", out long _)).ToList();

        Assert.Equal([true, true, true, true, true, false], logged);
        var suppressed = Assert.Single(_suppressed.GetMeasurementSnapshot());
        Assert.Equal(1, suppressed.Value);
        Assert.Equal("not-an-image", suppressed.Tags["error.type"]);
    }

    [Fact]
    public void ShouldLog_AnotherReason_HasItsOwnShare()
    {
        for (var i = 0; i < 5; i++)
        {
            Assert.True(_sampler.ShouldLog("not-an-image", out _));
        }

        Assert.False(_sampler.ShouldLog("not-an-image", out _));
        Assert.True(_sampler.ShouldLog("image-too-large", out _));
    }

    [Fact]
    public void ShouldLog_AfterTheInterval_LogsAgainAndSaysHowManyWereLeftOut()
    {
        for (var i = 0; i < 5 + 37; i++)
        {
            _sampler.ShouldLog("overloaded", out _);
        }

        _time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(_sampler.ShouldLog("overloaded", out _));

        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(_sampler.ShouldLog("overloaded", out var suppressedBefore));
        Assert.Equal(38, suppressedBefore);
        Assert.True(_sampler.ShouldLog("overloaded", out var next));
        Assert.Equal(0, next);
        Assert.Equal(38, _suppressed.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public void ShouldLog_AFloodFromManyThreads_LogsExactlyTheShareOfEachInterval()
    {
        var logged = 0;
        Parallel.For(0, 10_000, _ =>
        {
            if (_sampler.ShouldLog("corrupt-image", out _))
            {
                Interlocked.Increment(ref logged);
            }
        });

        Assert.Equal(5, logged);
        Assert.Equal(10_000 - 5, _suppressed.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    public void Dispose()
    {
        _suppressed.Dispose();
        _services.Dispose();
    }
}
