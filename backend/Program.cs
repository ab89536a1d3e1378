using ImageGateway.Backend.Counting;
using ImageGateway.Backend.Health;
using ImageGateway.Common.Hosting;

SelfProbe.ExitIfRequested(args);

var builder = WebApplication.CreateSlimBuilder(args);

builder.Services.AddProblemDetails();
builder.AddCounting();
builder.AddBackendHealth();
builder.AddGracefulShutdown(HealthExtensions.ReadyTag);

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapCounting();
app.MapBackendHealth();

app.Run();

/// <summary>Entry point; public so functional tests can host the real application.</summary>
public partial class Program;
