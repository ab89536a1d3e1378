using System.Globalization;
using ImageGateway.LoadRunner.Sampling;
using ImageGateway.LoadRunner.Statistics;
using ImageGateway.TestSupport.Load;
using Spectre.Console;

namespace ImageGateway.LoadRunner.Reporting;

/// <summary>
/// Shows the run while it goes: a live Spectre.Console table on an interactive terminal, else one plain
/// line every five seconds (CI logs).
/// </summary>
public sealed class LiveProgress(LoadClient client, RunStatistics statistics, ResourceSampler sampler, TimeSpan measured, bool live)
{
    public async Task ShowUntilAsync(Task run)
    {
        if (live && AnsiConsole.Profile.Capabilities.Interactive)
        {
            await AnsiConsole.Live(Render()).AutoClear(false).StartAsync(async context =>
            {
                while (!run.IsCompleted)
                {
                    await Task.WhenAny(run, Task.Delay(500));
                    context.UpdateTarget(Render());
                }
            });
            return;
        }

        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5)));
            Console.WriteLine(Line());
        }
    }

    private Table Render()
    {
        var s = statistics.Progress();
        var last = s.LastSecond;
        var table = new Table().Border(TableBorder.Rounded).AddColumns("phase", "elapsed", "sent", "answered", "failures", "shed", "rejected", "last s: answers", "last s: p99 ms", "backend memory");
        table.AddRow(
            Markup.Escape(client.CurrentPhase?.Name ?? "-"),
            $"{client.MeasuredElapsed.TotalSeconds:0}/{measured.TotalSeconds:0} s",
            N(s.Sent),
            N(s.Completed),
            s.Failures > 0 ? $"[red]{N(s.Failures)}[/]" : "0",
            N(s.Shed),
            N(s.Rejected),
            last is null ? "-" : N(last.Completed),
            last is null ? "-" : last.Latency.P99.ToString("0.0", CultureInfo.InvariantCulture),
            Markup.Escape(Memory()));
        return table;
    }

    private string Line()
    {
        var s = statistics.Progress();
        return string.Create(CultureInfo.InvariantCulture,
            $"[{client.CurrentPhase?.Name ?? "-"}] {client.MeasuredElapsed.TotalSeconds:0}/{measured.TotalSeconds:0} s: sent {s.Sent}, answered {s.Completed}, failures {s.Failures}, shed {s.Shed}, rejected {s.Rejected}, last second p99 {s.LastSecond?.Latency.P99 ?? 0:0.0} ms; memory {Memory()}");
    }

    private string Memory()
    {
        var readings = sampler.LatestCgroups.Values.Where(r => r is not null).ToList();
        return readings.Count == 0 ? "n/a"
            : string.Join(" ", readings.Select(r => string.Create(CultureInfo.InvariantCulture,
                $"{r!.UsageBytes / 1048576.0:0}/{(r.LimitBytes is { } l ? (l / 1048576.0).ToString("0", CultureInfo.InvariantCulture) : "-")}MiB")));
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
