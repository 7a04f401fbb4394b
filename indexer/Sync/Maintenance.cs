using Atlas.Indexer.State;

namespace Atlas.Indexer.Sync;

/// <summary>Time-driven state changes: stale heads and keysets hide their node (attacks 7, 12), contact
/// holds end, listings pass their review_by date.</summary>
public sealed partial class Maintenance(StateStore store, TimeProvider time, ILogger<Maintenance> logger)
{
    public void Run()
    {
        var now = time.GetUtcNow();
        foreach (var peer in store.Read(s => s.Peers.WithStaleTrust(now.ToUnixTimeSeconds())))
        {
            var reason = peer.KeysetExp <= now.ToUnixTimeSeconds() ? "keyset expired" : "feed head expired";
            if (store.Write(s => s.Peers.Hide(peer.NodeId!, reason)))
            {
                LogHidden(peer.NodeId!, reason);
            }
        }
        store.Write(s => s.Listings.ReleaseHolds(now.ToUnixTimeSeconds()));
        store.Write(s => s.Outbox.EnqueueReviewExpired(now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listings of {Node} hidden from search: {Reason}")]
    private partial void LogHidden(string node, string reason);
}
