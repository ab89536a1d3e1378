using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ImageGateway.Common.Problems;
using ImageGateway.Gateway.Tests.Infrastructure;
using ImageGateway.TestSupport;

namespace ImageGateway.Gateway.Tests.Api;

/// <summary>
/// What a new user meets first, on real Kestrel: a form upload, a wrong path or method, and the API's
/// OpenAPI document. Every answer is problem+json with a type from the catalogue.
/// </summary>
public sealed class ApiEdgeTests : IAsyncLifetime
{
    private const string Problem = "urn:image-gateway:problem:";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private GatewayWithBackend _stack = null!;

    public async Task InitializeAsync() => _stack = await GatewayWithBackend.StartAsync();

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Upload_MultipartForm_Returns415FormUploadSayingToSendRawBytesBeforeForwarding()
    {
        // What `curl -F image=@photo.png` sends.
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(CraftedImages.Png(8, 8, rows: 8));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "image", "photo.png");

        using var response = await _stack.PostAsync(form);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, Problem + "form-upload");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("multipart/form-data", detail, StringComparison.Ordinal);
        Assert.Contains("curl --data-binary @photo.png -H 'Content-Type: image/png'", detail, StringComparison.Ordinal);
        Assert.Equal(0, _stack.Backend.Started);
    }

    [Fact]
    public async Task Upload_UrlEncodedForm_Returns415FormUploadBeforeForwarding()
    {
        // What `curl -d @photo.png` sends (with the file's newlines stripped).
        using var response = await _stack.PostAsync(CraftedImages.Png(8, 8, rows: 8), "application/x-www-form-urlencoded");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, Problem + "form-upload");
        Assert.Equal(0, _stack.Backend.Started);
    }

    [Fact]
    public async Task Upload_RawBytesWithImageContentType_IsStillForwarded()
    {
        using var response = await _stack.PostAsync(CraftedImages.Png(8, 8, rows: 8), "image/png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _stack.Backend.Started);
    }

    [Fact]
    public async Task Get_UnknownPath_Returns404NotFoundProblemPointingToTheApi()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var response = await _stack.Client.GetAsync("/count-black-pixels", cts.Token);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, Problem + "not-found");
        Assert.Contains("/openapi/v1.json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_UploadRoute_Returns405MethodNotAllowedProblemNamingPost()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var response = await _stack.Client.GetAsync("/count-white-pixels", cts.Token);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.MethodNotAllowed, Problem + "method-not-allowed");
        Assert.Contains("POST", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("POST", response.Content.Headers.Allow);
        Assert.Equal(0, _stack.Backend.Started);
    }

    [Fact]
    public async Task OpenApi_Document_DescribesTheUploadWithEveryProblemTypeItCanAnswer()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var response = await _stack.Client.GetAsync("/openapi/v1.json", cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cts.Token));
        var root = document.RootElement;
        Assert.StartsWith("3.", root.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var upload = root.GetProperty("paths").GetProperty("/count-white-pixels").GetProperty("post");
        var body = upload.GetProperty("requestBody");
        Assert.True(body.GetProperty("required").GetBoolean());
        foreach (var media in new[] { "image/png", "image/jpeg", "application/octet-stream" })
        {
            Assert.Equal("binary", body.GetProperty("content").GetProperty(media).GetProperty("schema").GetProperty("format").GetString());
        }

        var responses = upload.GetProperty("responses");
        Assert.True(responses.TryGetProperty("200", out _));

        // The statuses an upload can be answered with, from the API's documented table (docs/api.md).
        var statuses = responses.EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["200", "400", "408", "413", "415", "422", "429", "500", "502", "503", "504"], statuses);
        var described = string.Join(' ', responses.EnumerateObject().Select(r => r.Value.GetProperty("description").GetString()));
        foreach (var type in new[] { "form-upload", "not-an-image", "image-too-large", "overloaded", "backend-timeout", "request-timeout" })
        {
            Assert.Contains(Problem + type, described, StringComparison.Ordinal);
        }

        Assert.True(responses.GetProperty("503").GetProperty("headers").TryGetProperty("Retry-After", out _));
        var types = root.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails")
            .GetProperty("properties").GetProperty("type").GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ToHashSet();
        Assert.Contains(Problem + "not-found", types);
        Assert.Contains(Problem + "method-not-allowed", types);
        Assert.True(root.GetProperty("paths").TryGetProperty("/health/ready", out _));
    }
}
