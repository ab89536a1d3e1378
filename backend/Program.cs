using ImageGateway.Backend.Admission;
using ImageGateway.Backend.Api;
using ImageGateway.Backend.Counting;
using ImageGateway.Backend.Decoding;
using ImageGateway.Backend.Health;
using ImageGateway.Backend.LoadReports;
using ImageGateway.Backend.Memory;
using ImageGateway.Backend.Metrics;
using ImageGateway.Common.Hosting;
using ImageGateway.Common.Management;

// A decode worker (started by this same binary's worker pool) never builds the web host.
DecodeWorkerProcess.ExitIfRequested(args);
SelfProbe.ExitIfRequested(args);

var builder = WebApplication.CreateSlimBuilder(args);

builder.AddContainerMemory();
builder.AddDecodeAdmission();
builder.AddLoadReports();
builder.AddCounting();
builder.AddCountingApi();
builder.AddDecodeWorkers();
builder.AddBackendMetrics();
builder.AddBackendHealth();
builder.AddGracefulShutdown(HealthExtensions.ReadyTag);

var app = builder.Build();

app.UseLoadReports();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapCounting();
app.MapBackendHealth();
app.MapBackendMetrics();
app.ListenOnManagementPort();

app.Run();

/// <summary>Entry point; public so functional tests can host the real application.</summary>
public partial class Program;
