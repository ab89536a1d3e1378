using System.Net;
using System.Security.Cryptography;
using ImageGateway.Gateway.Tests.Infrastructure;
using ImageGateway.TestSupport;

namespace ImageGateway.Gateway.Tests.Forwarding;

/// <summary>Every corpus image through the gateway to a recording backend: what is forwarded arrives unchanged.</summary>
public sealed class CorpusForwardingTests
{
    [Fact]
    public async Task Upload_EveryCorpusImage_IsForwardedByteIdenticalWithTrueLengthOrRefusedOnlyIfTheBackendMustRefuseIt()
    {
        await using var stack = await GatewayWithBackend.StartAsync();
        var failures = new List<string>();
        var forwarded = 0;
        foreach (var image in CorpusManifest.All)
        {
            var bytes = await File.ReadAllBytesAsync(image.FullPath);
            var before = stack.Backend.Received.Count;

            using var response = await stack.PostAsync(bytes);

            if (response.StatusCode == HttpStatusCode.OK)
            {
                forwarded++;
                var received = stack.Backend.Received.Skip(before).Single();
                if (received.Sha256 != Convert.ToHexString(SHA256.HashData(bytes)) || received.ContentLength != bytes.Length || received.Length != bytes.Length)
                {
                    failures.Add($"{image.Path}: forwarded {received.Length} bytes (Content-Length {received.ContentLength}), hash {(received.Sha256 == Convert.ToHexString(SHA256.HashData(bytes)) ? "equal" : "different")}; sent {bytes.Length}");
                }
            }
            else if (CorpusExpectations.IsCountable(image))
            {
                // The reference decoders count it and the backend must too: the gateway may not refuse it.
                failures.Add($"{image.Path}: refused {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            else if ((int)response.StatusCode is < 400 or >= 500)
            {
                failures.Add($"{image.Path}: answered {(int)response.StatusCode}");
            }
            else if (stack.Backend.Received.Count != before)
            {
                failures.Add($"{image.Path}: refused but the backend received it");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(forwarded > 400, $"only {forwarded} corpus images were forwarded");
    }
}
