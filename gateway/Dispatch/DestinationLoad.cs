using ImageGateway.Common.LoadReports;
using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Dispatch;

/// <summary>
/// What this gateway believes about one destination: its last load report and what it has in
/// flight there. Guarded by the <see cref="DispatchScheduler"/>'s lock.
/// </summary>
internal sealed class DestinationLoad(DestinationState destination)
{
    // Each upload in flight with the weight it was booked at (its cost, at least a slot), so it is
    // taken off at the weight it was put on even when a later report changed the slot size.
    private readonly Dictionary<DispatchReservation, long> _inFlight = [];

    public DestinationState Destination { get; } = destination;

    /// <summary>The last report that parsed, or null before the first.</summary>
    public LoadReport? Report { get; private set; }

    /// <summary>When <see cref="Report"/> arrived (a <see cref="TimeProvider"/> timestamp).</summary>
    public long ReportedAt { get; private set; }

    /// <summary>
    /// What the last report said others hold there: its reserved and queued bytes less this
    /// gateway's uploads in flight when it arrived (never negative). The backend may have reserved
    /// only part of an upload's cost when it reported (it reserves the body first, the decode after
    /// reading it), so this gateway counts its own uploads whole, from its own books, and takes only
    /// the rest from the report.
    /// </summary>
    public long OthersBytes { get; private set; }

    /// <summary>
    /// What an upload of <paramref name="cost"/> holds there: its cost, and at least one decode slot's
    /// share of the budget when the backend reports slots (<see cref="LoadReport.SlotBytes"/>), as the
    /// backend itself counts it.
    /// </summary>
    public long Weight(long cost) => Math.Max(cost, Report?.SlotBytes ?? 0);

    /// <summary>Bytes of this gateway's uploads in flight there, each at its <see cref="Weight"/>.</summary>
    public long InFlightBytes { get; private set; }

    /// <summary>This gateway's uploads in flight there.</summary>
    public int InFlight => _inFlight.Count;

    /// <summary>The reported decode budget; 0 before the first report.</summary>
    public long BudgetBytes => Report?.BudgetBytes ?? 0;

    /// <summary>
    /// What is free there as far as this gateway knows: the budget less what others hold by the last
    /// report and less this gateway's own uploads in flight. Before a report: room for <paramref name="unreportedUploads"/> uploads of any size.
    /// </summary>
    public long FreeBytes(int unreportedUploads) => Report is { } report
        ? Math.Max(0, report.BudgetBytes - OthersBytes - InFlightBytes)
        : InFlight < unreportedUploads ? long.MaxValue : 0;

    /// <summary>
    /// Whether an upload of <paramref name="cost"/> can go there now. One larger than the budget
    /// fits only when the destination is idle (its backend then answers it, 422 if it never fits).
    /// </summary>
    public bool Fits(long cost, int unreportedUploads)
    {
        var free = FreeBytes(unreportedUploads);
        return Report is null ? free > 0 : free >= Math.Min(Weight(cost), BudgetBytes) && (cost <= BudgetBytes || free == BudgetBytes);
    }

    /// <summary>Whether an upload of <paramref name="cost"/> could ever fit here by the reported budget.</summary>
    public bool CouldFit(long cost) => Report is null || cost <= BudgetBytes;

    /// <summary>A report arrived; <paramref name="carrier"/> is the upload whose answer carried it (the backend had given its reservation back already).</summary>
    public void Reported(LoadReport report, long at, DispatchReservation? carrier)
    {
        Report = report;
        ReportedAt = at;
        var mine = InFlightBytes - (carrier is not null && _inFlight.TryGetValue(carrier, out var carried) ? carried : 0);
        OthersBytes = Math.Max(0, report.ReservedBytes + report.QueuedBytes - mine);
    }

    public void Add(DispatchReservation reservation)
    {
        var weight = Weight(reservation.Bytes);
        if (_inFlight.TryAdd(reservation, weight))
        {
            InFlightBytes += weight;
        }
    }

    public void Remove(DispatchReservation reservation)
    {
        if (_inFlight.Remove(reservation, out var weight))
        {
            InFlightBytes -= weight;
        }
    }
}
