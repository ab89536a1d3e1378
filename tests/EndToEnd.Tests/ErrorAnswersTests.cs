using System.Net;
using System.Text.Json;
using ImageGateway.TestSupport;

namespace ImageGateway.EndToEnd.Tests;

/// <summary>The documented answers to bad input, through the real gateway.</summary>
[Collection(StackCollection.Name)]
public sealed class ErrorAnswersTests(StackFixture fixture)
{
    private const string Problem = "urn:image-gateway:problem:";

    [Fact]
    public async Task Post_EmptyBody_Returns400EmptyBody()
    {
        using var response = await fixture.PostAsync([], "image/png");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, Problem + "empty-body");
    }

    [Fact]
    public async Task Post_GarbageWithImageContentType_Returns415NotAnImage()
    {
        using var response = await fixture.PostAsync(CraftedImages.NotAnImage(), "image/png");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, Problem + "not-an-image");
    }

    [Fact]
    public async Task Post_Tiff_Returns415UnsupportedFormatNamingTiff()
    {
        var tiff = await File.ReadAllBytesAsync(CorpusManifest.Get("libtiff/rgb-3c-8b.tiff").FullPath);

        using var response = await fixture.PostAsync(tiff, "image/tiff");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, Problem + "unsupported-format");
        Assert.Contains("tiff", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Post_TruncatedPng_Returns422CorruptImage()
    {
        var png = await File.ReadAllBytesAsync(CorpusManifest.Get("pngsuite/basn2c08.png").FullPath);

        using var response = await fixture.PostAsync(png[..(png.Length / 2)], "image/png");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, Problem + "corrupt-image");
    }

    [Fact]
    public async Task Post_PngFlood20000Square_Returns422ImageTooLargeWithLimitInDetail()
    {
        using var response = await fixture.PostAsync(CraftedImages.Png(20_000, 20_000), "image/png");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, Problem + "image-too-large");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("20000x20000", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_PngWithTextContentType_IsCountedByItsBytes()
    {
        var image = CorpusManifest.Get("pngsuite/basn6a08.png");

        using var response = await fixture.PostAsync(await File.ReadAllBytesAsync(image.FullPath), "text/plain");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("png", json.GetProperty("format").GetString());
        CorpusExpectations.AssertCount(image, json.GetProperty("white_pixel_count").GetInt64());
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Get_Health_Returns200WhileBackendsServe(string path)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await fixture.Client.GetAsync(path, cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
