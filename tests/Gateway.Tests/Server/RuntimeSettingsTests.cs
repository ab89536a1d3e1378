using System.Text.Json;

namespace ImageGateway.Gateway.Tests.Server;

public sealed class RuntimeSettingsTests
{
    [Fact]
    public void ThreadPoolWorkers_DoNotSpinForWork()
    {
        // The gateway's runtimeconfig.json, copied beside the tests by the project reference.
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ImageGateway.Gateway.runtimeconfig.json")));

        var spinLimit = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit");

        Assert.Equal(0, spinLimit.GetInt32());
    }
}
