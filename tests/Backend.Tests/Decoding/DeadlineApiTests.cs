using System.Net;
using System.Text.Json;
using ImageGateway.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ImageGateway.Backend.Tests.Decoding;

/// <summary>
/// A real decode slower than its deadline by construction: a backend configured with a thousandth
/// of the usual deadline (and 10 ms at least) decodes an ordinary 1600x1200 PNG, which takes tens of
/// milliseconds of CPU. The worker is killed at the deadline whatever the image, so this holds even
/// when the header model refuses every known CPU bomb up front.
/// </summary>
[Collection(BackendHostCollection.Name)]
public sealed class DeadlineApiTests(DeadlineApiTests.ImpatientFactory factory) : IClassFixture<DeadlineApiTests.ImpatientFactory>
{
    [Fact]
    public async Task Upload_DecodingLongerThanItsCpuDeadline_Returns422PoisonImage()
    {
        var (bytes, _) = GeneratedImages.Create(GeneratedKind.PngRgb, 1600, 1200, seed: 5);
        using var client = factory.CreateClient();

        using var response = await client.PostAsync(new Uri("/count-white-pixels", UriKind.Relative), new ByteArrayContent(bytes)).WaitAsync(TimeSpan.FromSeconds(60));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, body);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("urn:image-gateway:problem:poison-image", problem.GetProperty("type").GetString());
        Assert.Contains("CPU time", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    public sealed class ImpatientFactory : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseSetting("Decoding:Workers", "1");
            builder.UseSetting("Decoding:MinimumDeadline", "00:00:00.010");
            builder.UseSetting("Decoding:DeadlineFactor", "0.001");
            builder.UseSetting("Memory:DecodeBudgetBytes", (64L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
