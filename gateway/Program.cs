using ImageGateway.Common.Hosting;
using ImageGateway.Gateway.Forwarding;
using ImageGateway.Gateway.Health;

SelfProbe.ExitIfRequested(args);

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddProblemDetails();
builder.AddForwarding();
builder.AddGatewayHealth();
builder.AddGracefulShutdown(HealthExtensions.ReadyTag);

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapGatewayHealth();
app.MapForwarding();

app.Run();

/// <summary>Entry point; public so functional tests can host the real application.</summary>
public partial class Program;
