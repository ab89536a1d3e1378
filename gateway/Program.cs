using ImageGateway.Common.Hosting;
using ImageGateway.Common.Management;
using ImageGateway.Common.Observability;
using ImageGateway.Gateway.Api;
using ImageGateway.Gateway.Buffering;
using ImageGateway.Gateway.Dispatch;
using ImageGateway.Gateway.Forwarding;
using ImageGateway.Gateway.Health;
using ImageGateway.Gateway.Inspection;
using ImageGateway.Gateway.Observability;
using ImageGateway.Gateway.Server;

SelfProbe.ExitIfRequested(args);

var builder = WebApplication.CreateBuilder(args);

builder.AddGatewayProblemDetails();
builder.AddGatewayOpenApi();
builder.AddServerLimits();
builder.AddGatewayObservability();
builder.AddImageInspection();
builder.AddUploadBuffering();
builder.AddDispatch();
builder.AddForwarding();
builder.AddGatewayHealth();
builder.AddGracefulShutdown(ServiceHealthExtensions.ReadyTag);

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseContentHeaderChecks();
app.UseShedBeforePeek();
app.UseImageInspection();
app.UseUploadBuffering();
app.MapGatewayHealth();
app.MapGatewayMetrics();
app.MapForwarding();
app.MapGatewayOpenApi();
app.ListenOnManagementPort();

app.Run();

/// <summary>Entry point; public so functional tests can host the real application.</summary>
public partial class Program;
