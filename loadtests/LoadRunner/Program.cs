using ImageGateway.LoadRunner;
using ImageGateway.LoadRunner.Cli;

return await LoadRunnerCommand.Create(LoadRun.ExecuteAsync).Parse(args).InvokeAsync();
