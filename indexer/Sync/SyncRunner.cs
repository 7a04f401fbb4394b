using Atlas.Indexer.State;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Sync;

/// <summary>One pass over all peers, each independent with its own timeout: a bad peer never stops the others.</summary>
public sealed class SyncRunner(StateStore store, PeerSynchronizer synchronizer, Maintenance maintenance, IOptions<IndexerOptions> options)
{
    public async Task<IReadOnlyList<SyncResult>> SyncAllOnceAsync(CancellationToken ct)
    {
        maintenance.Run();
        using var gate = new SemaphoreSlim(options.Value.MaxConcurrentPeers);
        var tasks = store.Read(s => s.Peers.List()).Select(async peer =>
        {
            await gate.WaitAsync(ct);
            try
            {
                return await synchronizer.SyncAsync(peer.Id, ct);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        var results = await Task.WhenAll(tasks);
        maintenance.Run();
        return results;
    }
}
