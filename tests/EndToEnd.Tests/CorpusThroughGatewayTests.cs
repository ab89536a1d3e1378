using System.Net;
using System.Text.Json;
using ImageGateway.TestSupport;

namespace ImageGateway.EndToEnd.Tests;

/// <summary>Every corpus image posted through the real gateway to real backends.</summary>
[Collection(StackCollection.Name)]
public sealed class CorpusThroughGatewayTests(StackFixture fixture)
{
    public static TheoryData<string> Countable() => Rows(CorpusExpectations.IsCountable);

    public static TheoryData<string> MustBeRejected() => Rows(CorpusExpectations.MustBeRejected);

    public static TheoryData<string> MalformedByDesign() => Rows(CorpusExpectations.IsMalformedByDesign);

    [Theory]
    [MemberData(nameof(Countable))]
    public async Task Post_CountableCorpusImage_ReturnsReferenceCount(string path)
    {
        var image = CorpusManifest.Get(path);

        using var response = await PostAsync(image);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        var json = JsonDocument.Parse(body).RootElement;
        CorpusExpectations.AssertCount(image, json.GetProperty("white_pixel_count").GetInt64());
        Assert.Equal(image.Width, json.GetProperty("width").GetInt32());
        Assert.Equal(image.Height, json.GetProperty("height").GetInt32());
    }

    [Theory]
    [MemberData(nameof(MustBeRejected))]
    public async Task Post_CorruptOrUnacceptedCorpusImage_ReturnsClientErrorProblem(string path)
    {
        var image = CorpusManifest.Get(path);

        using var response = await PostAsync(image);

        var status = (int)response.StatusCode;
        Assert.True(status is >= 400 and < 500, $"{path}: {status} {await response.Content.ReadAsStringAsync()}");
        if (!CorpusExpectations.IsAccepted(image))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }

        await ProblemAssert.IsProblemAsync(response, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(MalformedByDesign))]
    public async Task Post_MalformedByDesignCorpusImage_IsRefusedOrCountedRight(string path)
    {
        var image = CorpusManifest.Get(path);

        using var response = await PostAsync(image);

        if (response.StatusCode == HttpStatusCode.OK)
        {
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            CorpusExpectations.AssertCount(image, json.GetProperty("white_pixel_count").GetInt64());
        }
        else
        {
            Assert.InRange((int)response.StatusCode, 400, 499);
            await ProblemAssert.IsProblemAsync(response, response.StatusCode);
        }
    }

    /// <summary>
    /// Every countable image cut at half its length: truncated by construction, so a 4xx, never a
    /// 200 with a made-up count. The one exception is a GIF whose first frame (the only one counted)
    /// lies wholly in the first half: then the count must be the reference count.
    /// </summary>
    [Theory]
    [MemberData(nameof(Countable))]
    public async Task Post_CountableCorpusImageCutInHalf_IsRefusedUnlessItsFirstFrameIsWhole(string path)
    {
        var image = CorpusManifest.Get(path);
        var bytes = await File.ReadAllBytesAsync(image.FullPath);

        using var response = await PostAsync(bytes[..(bytes.Length / 2)]);

        var body = await response.Content.ReadAsStringAsync();
        if (image.Extension == "gif" && response.StatusCode == HttpStatusCode.OK)
        {
            CorpusExpectations.AssertCount(image, JsonDocument.Parse(body).RootElement.GetProperty("white_pixel_count").GetInt64());
            return;
        }

        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{path} cut at {bytes.Length / 2} of {bytes.Length} bytes: {(int)response.StatusCode} {body}");
        await ProblemAssert.IsProblemAsync(response, response.StatusCode);
    }

    private Task<HttpResponseMessage> PostAsync(CorpusImage image) => PostAsync(File.ReadAllBytes(image.FullPath));

    // The bytes decide the format, not the header: send a deliberately unhelpful type.
    private Task<HttpResponseMessage> PostAsync(byte[] bytes) => fixture.PostAsync(bytes, "application/octet-stream");

    private static TheoryData<string> Rows(Func<CorpusImage, bool> predicate) => new(CorpusManifest.Paths(predicate));
}
