using System.Security.Cryptography;
using System.Text;

namespace ImageGateway.Gateway.Dispatch;

/// <summary>Who a client is, for its fair share: the API key header, else the remote address.</summary>
internal static class ClientKeys
{
    public static string Of(HttpContext context, string keyHeader) =>
        context.Request.Headers[keyHeader] is { Count: > 0 } key && !string.IsNullOrWhiteSpace(key)
            ? "key:" + key
            : "ip:" + context.Connection.RemoteIpAddress;

    /// <summary>The client key as it may be logged: an API key only as a short hash of it.</summary>
    public static string Loggable(string key) =>
        key.StartsWith("key:", StringComparison.Ordinal)
            ? "key#" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..8]
            : key;
}
