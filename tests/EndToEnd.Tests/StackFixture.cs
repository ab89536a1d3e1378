using System.Net.Http.Headers;
using ImageGateway.TestSupport;

namespace ImageGateway.EndToEnd.Tests;

/// <summary>Two real backends and a real gateway, shared by the tests of a collection.</summary>
public sealed class StackFixture : IAsyncLifetime
{
    public Stack Stack { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public static string Configuration => Stack.Configuration(typeof(StackFixture).Assembly);

    public async Task InitializeAsync()
    {
        Stack = await Stack.StartAsync(Configuration);
        Client = new HttpClient { BaseAddress = Stack.Gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Posts <paramref name="body"/> to the upload route as <paramref name="contentType"/>, with a 30 s timeout.</summary>
    public async Task<HttpResponseMessage> PostAsync(byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await Client.PostAsync("/count-white-pixels", content, cts.Token);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Stack.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "stack";
}
