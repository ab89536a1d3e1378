using System.Net;
using System.Text.Json;

namespace ImageGateway.TestSupport;

/// <summary>Asserts RFC 9457 problem+json answers (shared by the test projects).</summary>
public static class ProblemAssert
{
    /// <summary>
    /// Asserts an RFC 9457 answer with <paramref name="status"/> and, when given, <paramref name="type"/>;
    /// throws <see cref="AssertionFailedException"/> naming the expected and actual value (and the body).
    /// </summary>
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? type = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Check(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        Check(mediaType == "application/problem+json", $"Expected media type application/problem+json, got {mediaType ?? "(none)"}: {body}");
        var problem = JsonDocument.Parse(body).RootElement;
        var bodyStatus = problem.GetProperty("status").GetInt32();
        Check(bodyStatus == (int)status, $"Expected \"status\": {(int)status} in the body, got {bodyStatus}: {body}");
        Check(!string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), $"Expected a non-empty \"detail\": {body}");
        if (type is not null)
        {
            var bodyType = problem.GetProperty("type").GetString();
            Check(bodyType == type, $"Expected \"type\": {type}, got {bodyType ?? "null"}: {body}");
        }

        return problem;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new AssertionFailedException(message);
        }
    }
}
