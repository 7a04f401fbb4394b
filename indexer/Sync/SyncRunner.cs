using Atlas.Indexer.State;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Sync;

/// <summary>Time-driven state changes: stale heads and keysets hide their node (attacks 7, 12), contact
/// holds end, listings pass their review_by date.</summary>
public sealed partial class Maintenance(StateStore store, TimeProvider time, ILogger<Maintenance> logger)
{
    public void Run()
    {
        var now = time.GetUtcNow();
        foreach (var peer in store.PeersWithStaleTrust(now.ToUnixTimeSeconds()))
        {
            var reason = peer.KeysetExp <= now.ToUnixTimeSeconds() ? "keyset expired" : "feed head expired";
            if (store.HideNode(peer.NodeId!, reason))
            {
                LogHidden(peer.NodeId!, reason);
            }
        }
        store.ReleaseHolds(now.ToUnixTimeSeconds());
        store.EnqueueReviewExpired(now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listings of {Node} hidden from search: {Reason}")]
    private partial void LogHidden(string node, string reason);
}

/// <summary>One pass over all peers, each independent with its own timeout: a bad peer never stops the others.</summary>
public sealed class SyncRunner(StateStore store, PeerSynchronizer synchronizer, Maintenance maintenance, IOptions<IndexerOptions> options)
{
    public async Task<IReadOnlyList<SyncResult>> SyncAllOnceAsync(CancellationToken ct)
    {
        maintenance.Run();
        using var gate = new SemaphoreSlim(options.Value.MaxConcurrentPeers);
        var tasks = store.ListPeers().Select(async peer =>
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

/// <summary>Long-running sync: polls each peer on its own schedule (backoff with jitter after failures)
/// and wakes early when a node pushes a newer head.</summary>
public sealed partial class SyncWorker(
    StateStore store,
    PeerSynchronizer synchronizer,
    Maintenance maintenance,
    SyncSignal signal,
    IOptions<IndexerOptions> options,
    TimeProvider time,
    ILogger<SyncWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var running = new Dictionary<long, Task>();
        var lastMaintenance = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var done in running.Where(r => r.Value.IsCompleted).Select(r => r.Key).ToList())
                {
                    running.Remove(done);
                }
                var now = time.GetUtcNow();
                if (now - lastMaintenance > TimeSpan.FromSeconds(15))
                {
                    maintenance.Run();
                    lastMaintenance = now;
                }
                foreach (var peer in store.ListPeers())
                {
                    if (running.Count >= options.Value.MaxConcurrentPeers)
                    {
                        break;
                    }
                    if (peer.NextAttempt <= now.ToUnixTimeSeconds() && !running.ContainsKey(peer.Id))
                    {
                        var id = peer.Id;
                        running[id] = Task.Run(() => synchronizer.SyncAsync(id, stoppingToken), stoppingToken);
                    }
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogLoopFailed(e);
            }
            try
            {
                await signal.Signal.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        try
        {
            await Task.WhenAll(running.Values).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        }
        catch (Exception)
        {
            // Stopping: passes cancelled mid-way commit nothing, which is safe.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Sync loop iteration failed; continuing")]
    private partial void LogLoopFailed(Exception e);
}
