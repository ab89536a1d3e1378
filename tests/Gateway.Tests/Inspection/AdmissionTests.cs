using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using ImageGateway.Gateway.Tests.Infrastructure;
using ImageGateway.TestSupport;

namespace ImageGateway.Gateway.Tests.Inspection;

/// <summary>
/// Admission on real Kestrel: every limit crossed, each refusal answered without the recording
/// backend ever seeing the request, every acceptance forwarded byte for byte.
/// </summary>
public sealed class AdmissionTests : IAsyncLifetime
{
    private const string Problem = "urn:image-gateway:problem:";
    private GatewayWithBackend _stack = null!;

    public async Task InitializeAsync() => _stack = await GatewayWithBackend.StartAsync();

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    public static TheoryData<string, byte[], string> OverLimitHeaders() => new()
    {
        { "PNG flood 20000x20000", CraftedImages.Png(20_000, 20_000), "20000x20000" },
        { "JPEG whose SOF declares 65000x65000", CraftedImages.JpegHeader(65_000, 65_000), "65000x65000" },
        { "GIF with a 65535x65535 screen", CraftedImages.Gif(65_535, 65_535), "65535x65535" },
        { "PNG of 7000x7000 (49 megapixels, sides within limits)", CraftedImages.Png(7_000, 7_000), "49000000 pixels" },
    };

    [Theory]
    [MemberData(nameof(OverLimitHeaders))]
    public async Task Upload_HeaderOverTheSizeLimits_Returns422WithValueAndLimitBeforeForwarding(string image, byte[] body, string declared)
    {
        using var response = await _stack.PostAsync(body, "application/octet-stream");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, Problem + "image-too-large");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains(declared, detail, StringComparison.Ordinal);
        Assert.True(detail.Contains("16384x16384", StringComparison.Ordinal) || detail.Contains("40000000 pixels", StringComparison.Ordinal), $"{image}: {detail}");
        Assert.Equal(0, _stack.Backend.Started);
    }

    [Fact]
    public async Task Upload_GarbageWithImageContentType_Returns415BeforeForwarding()
    {
        using var response = await _stack.PostAsync(CraftedImages.NotAnImage(), "image/png");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, Problem + "not-an-image");
        Assert.Equal(0, _stack.Backend.Started);
    }

    [Fact]
    public async Task Upload_Tiff_Returns415UnsupportedFormatBeforeForwarding()
    {
        var tiff = await File.ReadAllBytesAsync(CorpusManifest.Get("libtiff/rgb-3c-8b.tiff").FullPath);

        using var response = await _stack.PostAsync(tiff, "image/tiff");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, Problem + "unsupported-format");
        Assert.Contains("tiff", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, _stack.Backend.Started);
    }

    [Fact]
    public async Task Upload_EmptyBody_Returns400BeforeForwarding()
    {
        using var response = await _stack.PostAsync([], "image/png");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, Problem + "empty-body");
        Assert.Equal(0, _stack.Backend.Started);
    }

    [Fact]
    public async Task Upload_GzipContentEncoding_Returns415BeforeForwarding()
    {
        var content = new ByteArrayContent(CraftedImages.Png(8, 8, rows: 8));
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await _stack.PostAsync(content);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, Problem + "unsupported-content-encoding");
        Assert.Equal(0, _stack.Backend.Started);
    }

    [Fact]
    public async Task Upload_InterlacedPngUnder5x5_Returns422KnownDefectBeforeForwarding()
    {
        var png = await File.ReadAllBytesAsync(CorpusManifest.Get("pngsuite/s01i3p01.png").FullPath);

        using var response = await _stack.PostAsync(png, "image/png");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, Problem + "corrupt-image");
        Assert.Equal(0, _stack.Backend.Started);
    }

    [Fact]
    public async Task Upload_JpegWith200KiBOfAppSegmentsBeforeSof_IsForwardedByteIdentical()
    {
        var jpeg = CraftedImages.JpegHeader(640, 480, appBytes: 200 * 1024).Concat(new byte[1000]).ToArray();

        using var response = await _stack.PostAsync(jpeg, "image/jpeg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_stack.Backend.Received);
        Assert.Equal(jpeg.LongLength, received.ContentLength);
        Assert.Equal(jpeg.LongLength, received.Length);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(jpeg)), received.Sha256);
        Assert.Equal("jpeg", received.Headers["X-Image-Format"]);
        Assert.Equal("640", received.Headers["X-Image-Width"]);
        Assert.Equal("480", received.Headers["X-Image-Height"]);
    }

    [Fact]
    public async Task Upload_JpegWhoseSofIsPastThePeekWindow_Returns422HeaderNotFoundBeforeForwarding()
    {
        // 600 KiB of APP segments: the SOF lies beyond the default 512 KiB window.
        var jpeg = CraftedImages.JpegHeader(640, 480, appBytes: 600 * 1024);

        using var response = await _stack.PostAsync(jpeg, "image/jpeg");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, Problem + "header-not-found");
        Assert.Contains("524288", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, _stack.Backend.Started);
    }

    [Fact]
    public async Task Upload_ChunkedPngWithoutLength_IsForwardedByteIdentical()
    {
        var png = await File.ReadAllBytesAsync(CorpusManifest.Get("pngsuite/basn6a08.png").FullPath);
        var content = new StreamContent(new NonSeekableStream(png)); // no length: sent chunked

        using var response = await _stack.PostAsync(content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_stack.Backend.Received);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(png)), received.Sha256);
    }

    [Fact]
    public async Task Upload_ClientSuppliedImageFactHeaders_AreReplacedByTheGatewaysOwn()
    {
        var png = CraftedImages.Png(8, 8, rows: 8);
        var content = new ByteArrayContent(png);
        content.Headers.Add("X-Image-Width", "1");
        content.Headers.Add("X-Image-Pixels", "1");

        using var response = await _stack.PostAsync(content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_stack.Backend.Received);
        Assert.Equal("8", received.Headers["X-Image-Width"]);
        Assert.False(received.Headers.ContainsKey("X-Image-Pixels"));
    }

    [Fact]
    public async Task Upload_ContentLengthOverLimitWithExpectContinue_Returns413WithoutUploading()
    {
        using var socket = await RawHttp.ConnectAsync(_stack.Gateway.BaseAddress);

        // Headers only: a client that asked for 100-continue sends nothing more until told to.
        await RawHttp.SendAsync(socket,
            "POST /count-white-pixels HTTP/1.1\r\nHost: gateway\r\nContent-Type: image/png\r\n" +
            $"Content-Length: {64L * 1024 * 1024}\r\nExpect: 100-continue\r\n\r\n");
        var response = await RawHttp.ReadResponseHeadAsync(socket, TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 413", response, StringComparison.Ordinal);
        Assert.DoesNotContain("100 Continue", response, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", response, StringComparison.Ordinal);
        Assert.Equal(0, _stack.Backend.Started);
    }

    [Fact]
    public async Task Upload_MalformedChunkedFraming_Returns400ProblemBeforeForwarding()
    {
        using var socket = await RawHttp.ConnectAsync(_stack.Gateway.BaseAddress);

        await RawHttp.SendAsync(socket,
            "POST /count-white-pixels HTTP/1.1\r\nHost: gateway\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nnot a chunk\r\n");
        var response = await RawHttp.ReadToCloseAsync(socket, TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 400", response, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", response, StringComparison.Ordinal);
        Assert.Equal(0, _stack.Backend.Started);
    }

    /// <summary>A stream over bytes that hides its length, so HttpClient sends it chunked.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}

/// <summary>
/// The admission limits that need their own configuration: a small body limit, crossed by a body
/// that streams without Content-Length.
/// </summary>
public sealed class StreamingBodyLimitTests
{
    [Fact]
    public async Task Upload_ChunkedBodyPastByteLimit_Returns413AndBackendNeverGetsAWholeBody()
    {
        await using var stack = await GatewayWithBackend.StartAsync(new Dictionary<string, string?>
        {
            ["Inspection:MaxBodyBytes"] = (256 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Inspection:PeekBytes"] = (64 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var body = CraftedPng.PaddedHeader(64, 64, 1024 * 1024).Concat(new byte[1024 * 1024]).ToArray();
        var content = new StreamContent(new ChunkedOnly(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");

        using var response = await stack.PostAsync(content);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "urn:image-gateway:problem:body-too-large");
        Assert.Contains("262144", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(stack.Backend.Received);
    }

    private sealed class ChunkedOnly(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
