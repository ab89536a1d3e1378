using ImageGateway.Backend.Admission;
using ImageGateway.Common.LoadReports;

namespace ImageGateway.Backend.LoadReports;

/// <summary>
/// Adds the backend's ORCA load report (<see cref="LoadReport"/>: decode budget, reserved and queued
/// bytes from <see cref="DecodeAdmission"/>, CPU use) to every response, <c>/health/ready</c> included,
/// as the response starts: after a counting request has given its reservation back, so the report
/// says what the next request will find.
/// </summary>
internal sealed class LoadReportMiddleware(RequestDelegate next, DecodeAdmission admission, CpuUtilization cpu)
{
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
    public LoadReport Current() => new(admission.BudgetBytes, admission.BytesInUse, admission.BytesQueued, cpu.Current);
}
