using System.Runtime.CompilerServices;
using Atlas.Indexer.Search;
using Atlas.Indexer.State;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Sync;

/// <summary>One pass over all peers, each independent with its own timeout: a bad peer never stops the others.</summary>
public sealed partial class SyncRunner(
    StateStore store,
    PeerSynchronizer synchronizer,
    Maintenance maintenance,
    SearchFlusher flusher,
    FlushSignal flushSignal,
    IOptions<IndexerOptions> options,
    ILogger<SyncRunner> logger)
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

    /// <summary><c>sync --once</c>: the pass over all peers with the flusher draining the outbox alongside (each peer's
    /// committed changes go to search while other peers are still fetched and verified), then a final drain. A flush
    /// failure during the passes is logged and retried; the final drain's failure is the command's.</summary>
    public async Task<IReadOnlyList<SyncResult>> SyncAllOnceAndFlushAsync(CancellationToken ct)
    {
        var syncing = new StrongBox<bool>(true);
        var flushing = Task.Run(() => FlushWhileAsync(syncing, ct), ct);
        IReadOnlyList<SyncResult> results;
        try
        {
            results = await SyncAllOnceAsync(ct);
        }
        finally
        {
            // The drain under way finishes (it returns once the outbox is empty; cancelling it would leave its queued
            // batches to be indexed twice).
            Volatile.Write(ref syncing.Value, false);
            flushSignal.Signal.Set();
            await flushing;
        }
        await flusher.FlushAllAsync(ct);
        return results;
    }

    private async Task FlushWhileAsync(StrongBox<bool> syncing, CancellationToken ct)
    {
        while (Volatile.Read(ref syncing.Value) && !ct.IsCancellationRequested)
        {
            try
            {
                // Drains what the passes committed so far, several flushes queued in Meilisearch at once.
                await flusher.FlushAllAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFlushFailed(e);
            }
            if (Volatile.Read(ref syncing.Value))
            {
                try
                {
                    // Woken by each committed pass (PeerSynchronizer) and by the end of the passes.
                    await flushSignal.Signal.WaitAsync(TimeSpan.FromSeconds(1), ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flush during the sync pass failed; retrying, the final flush reports")]
    private partial void LogFlushFailed(Exception e);
}
