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
