using System.Net.Http.Headers;

namespace Atlas.Api.Federation;

/// <summary>Sends the queued pushes one at a time through the "notify" client, whose resilience pipeline
/// (<see cref="NotifyClient"/>) retries 5xx, 408, 429 and transport errors and never another 4xx.</summary>
public sealed partial class NotifyWorker(NotifyQueue queue, IHttpClientFactory clients, ILogger<NotifyWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var item in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await SendAsync(item, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SendAsync(NotifyItem item, CancellationToken stoppingToken)
    {
        try
        {
            using var client = clients.CreateClient(NotifyClient.Name);
            using var content = new StringContent(item.Body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/jose");
            using var response = await client.PostAsync(item.Url, content, stoppingToken);
            if (!response.IsSuccessStatusCode)
            {
                LogRefused(logger, item.Url, (int)response.StatusCode);
            }
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is HttpRequestException or OperationCanceledException or Polly.Timeout.TimeoutRejectedException)
        {
            LogGaveUp(logger, item.Url, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Indexer {Url} answered {Status}; not pushed (it will catch up from the change feed)")]
    private static partial void LogRefused(ILogger logger, Uri url, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gave up pushing to {Url} ({Reason}); it will catch up from the change feed")]
    private static partial void LogGaveUp(ILogger logger, Uri url, string reason);
}
