using ImageGateway.LoadRunner;
using ImageGateway.LoadRunner.Cli;

return await RunCommand.Create(LoadRun.ExecuteAsync).Parse(args).InvokeAsync();
