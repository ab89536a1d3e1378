using ImageGateway.Gateway.Forwarding;
using ImageGateway.Gateway.Health;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddProblemDetails();
builder.AddForwarding();
builder.AddGatewayHealth();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapGatewayHealth();
app.MapForwarding();

app.Run();

/// <summary>Entry point; public so functional tests can host the real application.</summary>
public partial class Program;
