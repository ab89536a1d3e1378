using System.Net;
using System.Text.Json;
using Xunit;

namespace ImageGateway.TestSupport;

/// <summary>Asserts RFC 9457 problem+json answers (shared by the test projects).</summary>
public static class ProblemAssert
{
    /// <summary>Asserts an RFC 9457 answer with <paramref name="status"/> and, when given, <paramref name="type"/>.</summary>
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? type = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        if (type is not null)
        {
            Assert.Equal(type, problem.GetProperty("type").GetString());
        }

        return problem;
    }
}
