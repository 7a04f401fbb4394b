using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Atlas.Api.Federation;

public sealed record NotifyItem(Uri Url, string Body);

/// <summary>Fire-and-forget push to the indexers named in configuration (Node:NotifyUrls) — never to a URL
/// taken from a request, so no SSRF. A bounded queue: when indexers are down, old heads are dropped (a newer
/// head supersedes them); publishing never waits for it.</summary>
public sealed class NotifyQueue(IOptions<NodeOptions> options)
{
    private readonly Channel<NotifyItem> _channel = Channel.CreateBounded<NotifyItem>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });

    public ChannelReader<NotifyItem> Reader => _channel.Reader;

    public void Publish(string headJws, IEnumerable<string> tombstones)
    {
        var tombstoneList = tombstones.ToList();
        foreach (var baseUrl in options.Value.NotifyUrls)
        {
            var root = new Uri(baseUrl.TrimEnd('/') + "/");
            foreach (var t in tombstoneList)
            {
                _channel.Writer.TryWrite(new NotifyItem(new Uri(root, "atlas/v1/relay"), t));
            }
            _channel.Writer.TryWrite(new NotifyItem(new Uri(root, "atlas/v1/notify"), headJws));
        }
    }
}

public sealed partial class NotifyWorker(NotifyQueue queue, IHttpClientFactory clients, ILogger<NotifyWorker> logger) : BackgroundService
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(25)];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var item in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await SendWithRetries(item, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SendWithRetries(NotifyItem item, CancellationToken stoppingToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var client = clients.CreateClient("notify");
                using var content = new StringContent(item.Body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/jose");
                using var response = await client.PostAsync(item.Url, content, stoppingToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
                LogRefused(logger, item.Url, (int)response.StatusCode);
                if ((int)response.StatusCode is >= 400 and < 500 and not 429)
                {
                    return; // the indexer rejected this object; retrying will not change its mind
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogUnreachable(logger, item.Url, e.Message);
            }
            if (attempt >= Backoff.Length)
            {
                LogGaveUp(logger, item.Url);
                return;
            }
            await Task.Delay(Backoff[attempt], stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Indexer {Url} answered {Status}")]
    private static partial void LogRefused(ILogger logger, Uri url, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Indexer {Url} unreachable: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, Uri url, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gave up pushing to {Url}; it will catch up from the change feed")]
    private static partial void LogGaveUp(ILogger logger, Uri url);
}
