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
        builder.Services.AddSingleton<ClientShareLimiter>();
        builder.Services.AddOptions<RateLimiterOptions>()
            .Configure<ClientShareLimiter, IOptions<ThrottlingOptions>>((limiter, clientShare, throttling) =>
            {
                limiter.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
                limiter.AddPolicy<int, DecodeBudgetPolicy>(ThrottlingOptions.PolicyName);
                if (throttling.Value.ClientShare > 0)
                {
                    // The global limiter runs first, so a client over its share never queues for the budget.
                    limiter.GlobalLimiter = clientShare;
                    limiter.OnRejected = ClientShareRejection.WriteAsync;
                }
            });
        builder.Services.AddRateLimiter(_ => { });
        return builder;
    }

    /// <summary>The rate limiter; after the inspection, whose findings it weighs.</summary>
    public static IApplicationBuilder UseThrottling(this IApplicationBuilder app)
    {
        var budget = app.ApplicationServices.GetRequiredService<DecodeBudget>();
        var options = app.ApplicationServices.GetRequiredService<IOptions<ThrottlingOptions>>().Value;
        ThrottlingLog.Budget(app.ApplicationServices.GetRequiredService<ILogger<DecodeBudget>>(),
            budget.TotalPermits, options.PermitBytes, budget.Backends, budget.QueuePermits);
        app.Use(ThrottlingWaitSpan.BeforeLimiter);
        app.UseRateLimiter();
        return app.Use(ThrottlingWaitSpan.AfterLimiter);
    }
}
