using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Push;

/// <summary>Scaling out (docs/deployment.md): several indexers of one region sit behind one public push inbox, which
/// reaches only one of them. Every push that verified here is therefore forwarded, as received, to the other indexers
/// of the region (<c>Indexer:Siblings</c>), so each pair learns of a new head or a takedown at once instead of a poll
/// interval later. A push carries no authority (each sibling verifies it again), so forwarding adds no trust; a
/// forwarded push is marked with <see cref="Header"/> and never forwarded again (no loops). Bounded queue, background
/// delivery with a short timeout: a sibling that is down never slows the answer to the node.</summary>
public sealed partial class SiblingForwarder(IOptions<IndexerOptions> options, IHttpClientFactory http, ILogger<SiblingForwarder> logger) : BackgroundService
{
    public const string Header = "Atlas-Forwarded";
    public const string ClientName = "siblings";
    private readonly Channel<(string Path, string Body)> _queue =
        Channel.CreateBounded<(string, string)>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly IReadOnlyList<Uri> _siblings = options.Value.SiblingUrls();

    /// <summary>Queues a verified push for the siblings unless it came from one (or there are none).</summary>
    public void Forward(HttpRequest request, string path, string body)
    {
        if (_siblings.Count > 0 && !request.Headers.ContainsKey(Header))
        {
            _queue.Writer.TryWrite((path, body));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = http.CreateClient(ClientName);
        await foreach (var (path, body) in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            foreach (var sibling in _siblings)
            {
                try
                {
                    using var content = new StringContent(body);
                    content.Headers.ContentType = new MediaTypeHeaderValue(PushApi.JoseContentType);
                    using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(sibling, path)) { Content = content };
                    message.Headers.Add(Header, "1");
                    using var response = await client.SendAsync(message, stoppingToken);
                    if (!response.IsSuccessStatusCode)
                    {
                        LogRefused(sibling, path, (int)response.StatusCode);
                    }
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogFailed(e, sibling, path);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sibling {Sibling} answered {Status} to a forwarded {Path}")]
    private partial void LogRefused(Uri sibling, string path, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding {Path} to sibling {Sibling} failed; it will catch up on its next poll")]
    private partial void LogFailed(Exception e, Uri sibling, string path);
}
