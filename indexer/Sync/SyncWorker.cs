using Atlas.Indexer.State;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Sync;

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
                foreach (var peer in store.Read(s => s.Peers.List()))
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
