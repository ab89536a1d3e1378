using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Throttling;

public static class ThrottlingExtensions
{
    /// <summary>
    /// Registers the decode budget and the <see cref="ThrottlingOptions.PolicyName"/> rate-limiter
    /// policy that routes name in their <c>RateLimiterPolicy</c>.
    /// </summary>
    public static IHostApplicationBuilder AddThrottling(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ThrottlingOptions>()
            .Bind(builder.Configuration.GetSection(ThrottlingOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<DecodeBudget>();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            limiter.AddPolicy<int, DecodeBudgetPolicy>(ThrottlingOptions.PolicyName);
        });
        return builder;
    }

    /// <summary>The rate limiter; after the inspection, whose findings it weighs.</summary>
    public static IApplicationBuilder UseThrottling(this IApplicationBuilder app)
    {
        var budget = app.ApplicationServices.GetRequiredService<DecodeBudget>();
        var options = app.ApplicationServices.GetRequiredService<IOptions<ThrottlingOptions>>().Value;
        ThrottlingLog.Budget(app.ApplicationServices.GetRequiredService<ILogger<DecodeBudget>>(),
            budget.TotalPermits, options.PermitBytes, budget.Backends, budget.TotalPermits * options.QueueBudgets);
        return app.UseRateLimiter();
    }
}
