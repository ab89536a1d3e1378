using BenchmarkDotNet.Running;

namespace ImageGateway.LoadTests.Benchmarks;

/// <summary>dotnet run -c Release --project loadtests/Benchmarks -- --filter '*' --job short</summary>
public static class BenchmarksMain
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarksMain).Assembly).Run(args);
}
