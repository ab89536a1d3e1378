using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace ImageGateway.Common.Problems;

/// <summary>Writes problem+json answers, with <c>Retry-After</c> where the problem is temporary.</summary>
public static class ProblemResults
{
    /// <summary>A typed result for <paramref name="problem"/>.</summary>
    public static ProblemHttpResult Result(ProblemType problem, string detail) =>
        TypedResults.Problem(problem.Create(detail));

    /// <summary>
    /// Writes <paramref name="problem"/> to <paramref name="context"/> unless the response has already
    /// started. A <paramref name="retryAfter"/> adds the <c>Retry-After</c> header in whole seconds.
    /// </summary>
    public static async Task WriteAsync(HttpContext context, ProblemType problem, string detail, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.Clear();
        if (retryAfter is { } delay)
        {
            SetRetryAfter(context.Response, delay);
        }

        await Result(problem, detail).ExecuteAsync(context);
    }

    /// <summary>Sets <c>Retry-After</c> to <paramref name="delay"/>, rounded up to whole seconds (at least 1).</summary>
    public static void SetRetryAfter(HttpResponse response, TimeSpan delay)
    {
        ArgumentNullException.ThrowIfNull(response);
        var seconds = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds));
        response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
    }
}
