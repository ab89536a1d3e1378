extern alias backend;
extern alias gateway;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using ImageGateway.TestSupport;
using Xunit.Abstractions;

namespace ImageGateway.Observability.Tests.Tracing;

/// <summary>One upload through the real gateway and the real backend, both in this process on real Kestrel, traced.</summary>
public sealed class TraceAcrossServicesTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Upload_ThroughGatewayToBackend_GatewayAndBackendSpansShareOneTraceId()
    {
        await using var backendApp = new InProcessApp<backend::Program>(new Dictionary<string, string?>());
        backendApp.StartServer();
        await using var gatewayApp = new InProcessApp<gateway::Program>(new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:backends:Destinations:backend1:Address"] = backendApp.BaseAddress.ToString(),
        });
        gatewayApp.StartServer();
        var image = CorpusManifest.Get("pngsuite/basn6a08.png");
        using var client = new HttpClient { BaseAddress = gatewayApp.BaseAddress, Timeout = Timeout };

        using var response = await client.PostAsync("/count-white-pixels", new ByteArrayContent(await File.ReadAllBytesAsync(image.FullPath)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Spans end (and are exported) as the answer unwinds: wait for the gateway's request span.
        var spans = await SpansWhenAsync(gatewayApp, backendApp, all => all.Any(s => s.Kind == ActivityKind.Server && s.GetTagItem("server.port") is int port && port == gatewayApp.Port));

        var inspection = Single(spans, "ImageGateway.Gateway", "inspection");
        var wait = Single(spans, "ImageGateway.Gateway", "dispatch.wait");
        var forward = Single(spans, "ImageGateway.Gateway", "forward");
        var decode = Single(spans, "ImageGateway.Backend", "decode");
        var admission = spans.Where(s => s.Source.Name == "ImageGateway.Backend" && s.OperationName == "admission.wait").ToList();
        Assert.Equal(2, admission.Count); // the body, then the decode

        // One trace: every span of the upload, gateway and backend alike. (Other tests of this
        // process send requests meanwhile, whose HttpClient spans are exported too: they are other traces.)
        var traceId = inspection.TraceId;
        Assert.All([inspection, wait, forward, decode, .. admission], s => Assert.Equal(traceId, s.TraceId));
        spans = spans.Where(s => s.TraceId == traceId).ToList();
        output.WriteLine(Tree(spans));

        // The image facts, as the header model and the decoder saw them (32x32 RGBA PNG: PngSuite's name says so).
        Assert.Equal("png", inspection.GetTagItem("image.format"));
        Assert.Equal(32L, Convert.ToInt64(inspection.GetTagItem("image.width"), CultureInfo.InvariantCulture));
        Assert.Equal(32L, Convert.ToInt64(inspection.GetTagItem("image.height"), CultureInfo.InvariantCulture));
        Assert.Equal("png", decode.GetTagItem("image.format"));
        Assert.Equal(32, decode.GetTagItem("image.width"));
        Assert.Equal(32, decode.GetTagItem("image.height"));
        Assert.True(Convert.ToInt64(decode.GetTagItem("image_gateway.decode_worker.image_memory.peak"), CultureInfo.InvariantCulture) > 0, "the worker's image memory peak is on the decode span");
        Assert.Equal("backend1", forward.GetTagItem("image_gateway.destination"));

        // The chain crossed the wire: the backend's request span has a remote parent, the gateway's
        // HttpClient span under its forward span (W3C traceparent, propagated by YARP).
        var backendServer = spans.Single(s => s.SpanId == decode.ParentSpanId);
        Assert.Equal(ActivityKind.Server, backendServer.Kind);
        Assert.True(backendServer.HasRemoteParent);
        var gatewayClient = spans.Single(s => s.SpanId == backendServer.ParentSpanId);
        Assert.Equal(ActivityKind.Client, gatewayClient.Kind);
        Assert.Equal(forward.SpanId, gatewayClient.ParentSpanId);
        Assert.All(admission, a => Assert.Equal(backendServer.SpanId, a.ParentSpanId));

        // Inspection and forward are siblings under the gateway's request span, in order; the wait
        // for capacity is the first part of forwarding (choosing where the upload fits).
        var gatewayServer = spans.Single(s => s.SpanId == inspection.ParentSpanId);
        Assert.Equal(ActivityKind.Server, gatewayServer.Kind);
        // This test's own HttpClient sent a traceparent too (it runs in the traced process): the
        // gateway continued the caller's trace rather than starting one.
        Assert.True(gatewayServer.HasRemoteParent);
        Assert.Equal(ActivityKind.Client, spans.Single(s => s.SpanId == gatewayServer.ParentSpanId).Kind);
        Assert.Equal(gatewayServer.SpanId, forward.ParentSpanId);
        Assert.Equal(forward.SpanId, wait.ParentSpanId);
        Assert.True(inspection.StartTimeUtc <= forward.StartTimeUtc && forward.StartTimeUtc <= wait.StartTimeUtc);
        Assert.True(wait.StartTimeUtc + wait.Duration <= gatewayClient.StartTimeUtc);
    }

    [Fact]
    public async Task Upload_RefusedByTheInspection_SpanCarriesTheErrorTypeAndNothingIsForwarded()
    {
        await using var gatewayApp = new InProcessApp<gateway::Program>(new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:backends:Destinations:backend1:Address"] = $"http://127.0.0.1:{FreePort.Get()}",
        });
        gatewayApp.StartServer();
        using var client = new HttpClient { BaseAddress = gatewayApp.BaseAddress, Timeout = Timeout };

        using var response = await client.PostAsync("/count-white-pixels", new ByteArrayContent(CraftedImages.Png(20_000, 20_000)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);

        var spans = await SpansWhenAsync(gatewayApp, null, all => all.Any(s => s.Kind == ActivityKind.Server));
        var inspection = Single(spans, "ImageGateway.Gateway", "inspection");
        Assert.Equal("image-too-large", inspection.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, inspection.Status);
        Assert.DoesNotContain(spans, s => s.TraceId == inspection.TraceId && s.OperationName is "forward" or "dispatch.wait");
    }

    [Fact]
    public async Task Upload_WithTracingOff_RecordsNoSpan_ButTheBackendStillGetsTheTraceparent()
    {
        // The default: no OTLP endpoint, nothing to export, so nothing is recorded (it costs the gateway CPU).
        await using var backendApp = new InProcessApp<backend::Program>(new Dictionary<string, string?> { ["Tracing:Enabled"] = "false" });
        backendApp.StartServer();
        await using var gatewayApp = new InProcessApp<gateway::Program>(new Dictionary<string, string?>
        {
            ["Tracing:Enabled"] = "false",
            ["ReverseProxy:Clusters:backends:Destinations:backend1:Address"] = backendApp.BaseAddress.ToString(),
        });
        gatewayApp.StartServer();
        var traceId = ActivityTraceId.CreateRandom();
        using var client = new HttpClient { BaseAddress = gatewayApp.BaseAddress, Timeout = Timeout };
        var image = await File.ReadAllBytesAsync(CorpusManifest.Get("pngsuite/basn6a08.png").FullPath);

        // Half a PNG: the gateway's inspection accepts its header and forwards it; the backend refuses
        // it (422) with its own trace id in the problem, which the gateway passes through.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/count-white-pixels") { Content = new ByteArrayContent(image[..(image.Length / 2)]) };
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await client.SendAsync(request);
        var problem = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.True(problem.Contains($"\"traceId\":\"00-{traceId}-", StringComparison.Ordinal), $"sent trace {traceId}, got {problem}");
        await Task.Delay(500);

        lock (gatewayApp.Spans)
        {
            Assert.Empty(gatewayApp.Spans);
        }

        lock (backendApp.Spans)
        {
            Assert.Empty(backendApp.Spans);
        }
    }

    private static Activity Single(IEnumerable<Activity> spans, string source, string name) =>
        Assert.Single(spans, s => s.Source.Name == source && s.OperationName == name);

    /// <summary>The spans both exporters got, one per span id, once <paramref name="done"/> holds (bounded).</summary>
    private static async Task<List<Activity>> SpansWhenAsync<TGateway>(InProcessApp<TGateway> gateway, IDisposable? backend, Func<List<Activity>, bool> done)
        where TGateway : class
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            List<Activity> spans;
            lock (gateway.Spans)
            {
                spans = [.. gateway.Spans];
            }

            if (backend is InProcessApp<backend::Program> b)
            {
                lock (b.Spans)
                {
                    spans.AddRange(b.Spans);
                }
            }

            spans = spans.GroupBy(s => s.SpanId).Select(g => g.First()).OrderBy(s => s.StartTimeUtc).ToList();
            if (done(spans) || DateTime.UtcNow > deadline)
            {
                return spans;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The spans as an indented tree: what docs/observability.md shows.</summary>
    private static string Tree(List<Activity> spans)
    {
        var text = new StringBuilder();
        var byParent = spans.ToLookup(s => s.ParentSpanId);
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        var start = spans.Min(s => s.StartTimeUtc);
        foreach (var root in spans.Where(s => !ids.Contains(s.ParentSpanId)))
        {
            Write(root, 0);
        }

        return text.ToString();

        void Write(Activity span, int depth)
        {
            var tags = string.Join(", ", span.TagObjects
                .Where(t => t.Key.StartsWith("image", StringComparison.Ordinal) || t.Key is "error.type" or "http.response.status_code" or "url.full" or "http.route")
                .Select(t => $"{t.Key}={t.Value}"));
            text.Append(CultureInfo.InvariantCulture,
                $"{new string(' ', depth * 2)}{span.DisplayName} [{span.Source.Name}, {span.Kind}] +{(span.StartTimeUtc - start).TotalMilliseconds:0.0} ms, {span.Duration.TotalMilliseconds:0.0} ms; trace {span.TraceId}, span {span.SpanId}{(tags.Length > 0 ? "; " + tags : "")}\n");
            foreach (var child in byParent[span.SpanId].OrderBy(s => s.StartTimeUtc))
            {
                Write(child, depth + 1);
            }
        }
    }
}
