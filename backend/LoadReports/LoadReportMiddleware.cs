using ImageGateway.Backend.Admission;
using ImageGateway.Backend.Decoding;
using ImageGateway.Common.LoadReports;

namespace ImageGateway.Backend.LoadReports;

/// <summary>
/// Adds the backend's ORCA load report (<see cref="LoadReport"/>: decode budget, reserved and queued
/// bytes from <see cref="DecodeAdmission"/>, CPU use) to every response, <c>/health/ready</c> included,
/// as the response starts: after a counting request has given its reservation back, so the report
/// says what the next request will find.
/// <para>
/// Bytes are not the backend's only bound: each upload holds a decode worker from its first byte to
/// its count, so however small, the backend starts only as many at once as it has workers. The report
/// says so with <see cref="LoadReport.DecodeSlots"/>, two per worker (one decoding, one ready to take
/// the worker the moment it is free, so no worker idles while the next upload crosses the network),
/// and counts every upload holding or waiting for a worker as at least one slot's share of the budget.
/// A gateway that weighs its own uploads the same way sends no more than the slots (measured with two
/// gateways on two backends: without slots, 805 of 820 uploads of a burst were refused by the
/// backends' worker queue; <c>ScaleOutTests</c>).
/// </para>
/// </summary>
internal sealed class LoadReportMiddleware(RequestDelegate next, DecodeAdmission admission, DecodeWorkerPool workers, CpuUtilization cpu)
{
    /// <summary>Decode slots per worker.</summary>
    public const int SlotsPerWorker = 2;

    private static readonly Func<object, Task> AddReport = static state =>
    {
        var (context, middleware) = ((HttpContext, LoadReportMiddleware))state;
        context.Response.Headers[LoadReport.HeaderName] = middleware.Current().Format();
        return Task.CompletedTask;
    };

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(AddReport, (context, this));
        return next(context);
    }

    /// <summary>The report as of now.</summary>
    public LoadReport Current()
    {
        var slots = SlotsPerWorker * workers.Size;
        var slotBytes = admission.BudgetBytes / slots;
        return new(
            admission.BudgetBytes,
            Math.Max(admission.BytesInUse, workers.Rented * slotBytes),
            admission.BytesQueued + (workers.Waiting * slotBytes),
            cpu.Current,
            slots);
    }
}
