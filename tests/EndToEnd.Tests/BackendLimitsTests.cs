using System.Net;
using System.Net.Http.Headers;
using ImageGateway.TestSupport;

namespace ImageGateway.EndToEnd.Tests;

/// <summary>The backend's own limits, crossed on a real backend process with small configured limits.</summary>
public sealed class BackendLimitsTests : IAsyncLifetime
{
    private const string Problem = "urn:image-gateway:problem:";
    private const int MaxBodyBytes = 4096;

    private AppProcess _backend = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _backend = await Stack.StartBackendAsync(StackFixture.Configuration, "backend-small-limits", new Dictionary<string, string>
        {
            ["Counting__MaxBodyBytes"] = MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Counting__MaxWidth"] = "64",
            ["Counting__MaxHeight"] = "64",
            ["Counting__MaxPixels"] = "1024",
        });
        _client = new HttpClient { BaseAddress = _backend.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Post_ContentLengthOverLimit_Returns413NamingTheLimit()
    {
        using var response = await _client.PostAsync("/count-white-pixels", new ByteArrayContent(new byte[MaxBodyBytes + 1]));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, Problem + "body-too-large");
        Assert.Contains(MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_ChunkedBodyOverLimit_Returns413()
    {
        var content = new StreamContent(new MemoryStream(new byte[MaxBodyBytes * 4]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/count-white-pixels") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, Problem + "body-too-large");
    }

    [Fact]
    public async Task Post_BodyExactlyAtLimit_IsNotRefusedForSize()
    {
        var png = CraftedImages.Png(8, 8, rows: 8);
        var body = new byte[MaxBodyBytes];
        png.CopyTo(body, 0); // trailing zeros after IEND are ignored by decoders

        using var response = await _client.PostAsync("/count-white-pixels", new ByteArrayContent(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Post_WidthOverLimit_Returns422WithLimitAndValue()
    {
        using var response = await _client.PostAsync("/count-white-pixels", new ByteArrayContent(CraftedImages.Png(65, 1)));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, Problem + "image-too-large");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("65x1", detail, StringComparison.Ordinal);
        Assert.Contains("64x64", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_PixelsOverLimitWithinSideLimits_Returns422()
    {
        using var response = await _client.PostAsync("/count-white-pixels", new ByteArrayContent(CraftedImages.Png(33, 32)));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, Problem + "image-too-large");
        Assert.Contains("1056", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_GzipContentEncoding_Returns415()
    {
        var content = new ByteArrayContent(CraftedImages.Png(8, 8, rows: 8));
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await _client.PostAsync("/count-white-pixels", content);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, Problem + "unsupported-content-encoding");
    }

    [Fact]
    public async Task Post_EmptyBody_Returns400()
    {
        using var response = await _client.PostAsync("/count-white-pixels", new ByteArrayContent([]));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, Problem + "empty-body");
    }

    [Fact]
    public async Task Post_EveryMalformedCraftedHeader_NeverAnswers5xx()
    {
        var inputs = new List<byte[]>
        {
            CraftedImages.Png(8, 8, rows: 2),                       // IDAT shorter than the image
            CraftedImages.Png(8, 8, rows: 8, withEnd: false),      // no IEND
            CraftedImages.Png(0, 8),                               // zero width
            CraftedImages.JpegHeader(16, 16),                      // SOF but no scan
            CraftedImages.JpegHeader(0, 0),                        // zero size
            CraftedImages.Gif(8, 8)[..20],                         // cut inside the colour table
            new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' },               // signature only
            new byte[] { (byte)'B', (byte)'M' },                                // BMP magic only
            new byte[] { (byte)'R', (byte)'I', (byte)'F', (byte)'F', 0, 0, 0, 0, (byte)'W', (byte)'E', (byte)'B', (byte)'P' },
        };

        foreach (var input in inputs)
        {
            using var response = await _client.PostAsync("/count-white-pixels", new ByteArrayContent(input));
            var status = (int)response.StatusCode;
            Assert.True(status is 200 or (>= 400 and < 500), $"{Convert.ToHexString(input.AsSpan(0, Math.Min(16, input.Length)))}: {status} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.False(_backend.HasExited);
    }
}
