namespace ImageGateway.Backend.LoadReports;

public static class LoadReportsExtensions
{
    /// <summary>Registers what the load reports read (needs <c>AddDecodeAdmission</c> and <c>AddDecodeWorkers</c>).</summary>
    public static IHostApplicationBuilder AddLoadReports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CpuUtilization>();
        return builder;
    }

    /// <summary>An ORCA <c>endpoint-load-metrics</c> header on every response; first in the pipeline so no answer goes without it.</summary>
    public static IApplicationBuilder UseLoadReports(this IApplicationBuilder app) => app.UseMiddleware<LoadReportMiddleware>();
}
