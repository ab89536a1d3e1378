using System.Reflection;
using ImageGateway.Common.Problems;
using ImageGateway.Gateway.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageGateway.Gateway.Tests.Api;

public sealed class ProblemTypesTests
{
    [Fact]
    public void All_HoldsEveryDeclaredTypeOnceWithAUniqueUri()
    {
        var declared = typeof(ProblemTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(ProblemType)).Select(f => (ProblemType)f.GetValue(null)!).ToList();

        Assert.Equal(declared.ToHashSet(), ProblemTypes.All.ToHashSet());
        Assert.Equal(ProblemTypes.All.Count, ProblemTypes.All.Select(p => p.Type).Distinct().Count());
        Assert.All(ProblemTypes.All, p => Assert.StartsWith("urn:image-gateway:problem:", p.Type, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(400, "malformed-request")]
    [InlineData(404, "not-found")]
    [InlineData(405, "method-not-allowed")]
    [InlineData(408, "request-timeout")]
    [InlineData(413, "body-too-large")]
    [InlineData(500, "internal-error")]
    public async Task StatusCodePage_WithoutAProblem_GetsTheCataloguesTypeForItsStatus(int status, string type)
    {
        var problem = await WriteStatusPageAsync(status, type: null);

        Assert.Contains($"\"type\":\"urn:image-gateway:problem:{type}\"", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("rfc", problem, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Problem_WithACataloguedType_IsLeftAlone()
    {
        var problem = await WriteStatusPageAsync(400, ProblemTypes.EmptyBody.Type);

        Assert.Contains("\"type\":\"urn:image-gateway:problem:empty-body\"", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusOutsideTheCatalogue_KeepsAspNetsDefault()
    {
        var problem = await WriteStatusPageAsync(418, type: null);

        Assert.DoesNotContain("urn:image-gateway", problem, StringComparison.Ordinal);
    }

    private static async Task<string> WriteStatusPageAsync(int status, string? type)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddGatewayProblemDetails();
        await using var app = builder.Build();
        var context = new DefaultHttpContext { RequestServices = app.Services };
        context.Request.Path = "/somewhere";
        context.Response.StatusCode = status;
        using var body = new MemoryStream();
        context.Response.Body = body;

        var service = app.Services.GetRequiredService<IProblemDetailsService>();
        Assert.True(await service.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Type = type },
        }).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        return System.Text.Encoding.UTF8.GetString(body.ToArray());
    }
}
