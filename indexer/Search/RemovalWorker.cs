using Atlas.Indexer.State;
using Atlas.Indexer.Sync;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Search;

/// <summary>Runs the <see cref="RemovalLane"/> whenever the state commits outbox entries (and every FlushInterval as a
/// fallback). Survives Meilisearch outages (the flusher deletes whatever the lane could not).</summary>
public sealed partial class RemovalWorker(
    RemovalLane lane,
    SearchExclusions exclusions,
    StateStore store,
    IOptions<IndexerOptions> options,
    ILogger<RemovalWorker> logger) : BackgroundService
{
    private readonly Signal _wake = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        store.OutboxCommitted += _wake.Set;
        try
        {
            var failures = 0;
            while (!stoppingToken.IsCancellationRequested)
            {
                var wait = options.Value.FlushInterval;
                try
                {
                    await lane.RunOnceAsync(stoppingToken);
                    if (exclusions.Snapshot().ListingIds.Count > 0)
                    {
                        await lane.ReleaseExclusionsAsync(stoppingToken);
                        // Still excluded: look again soon (the deletion is under way), not only at the next commit.
                        wait = exclusions.Snapshot().ListingIds.Count > 0 ? TimeSpan.FromMilliseconds(250) : wait;
                    }
                    failures = 0;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    failures++;
                    wait = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(failures, 5)) / 4)) * (0.75 + Random.Shared.NextDouble() / 2);
                    LogFailed(e, wait.TotalSeconds);
                }
                try
                {
                    await _wake.WaitAsync(wait, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            store.OutboxCommitted -= _wake.Set;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Removal lane failed; the flusher still removes what it finds, retrying in {Seconds:0.#} s")]
    private partial void LogFailed(Exception e, double seconds);
}
