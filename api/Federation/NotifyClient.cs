using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Atlas.Api.Federation;

/// <summary>The HTTP client of the pushes (Microsoft.Extensions.Http.Resilience): each attempt has 10 s; 5xx,
/// 408, 429 (honouring Retry-After) and transport errors are retried 4 times with jittered exponential backoff
/// from 1 s; any other 4xx means the indexer refused the object and is final. No redirects: a push goes only
/// to the configured URL.</summary>
public static class NotifyClient
{
    public const string Name = "notify";

    public static IServiceCollection AddNotifyClient(this IServiceCollection services)
    {
        services.AddHttpClient(Name, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            .AddResilienceHandler("notify", pipeline => pipeline
                .AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = 4,
                    Delay = TimeSpan.FromSeconds(1),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                })
                .AddTimeout(TimeSpan.FromSeconds(10)));
        return services;
    }
}
