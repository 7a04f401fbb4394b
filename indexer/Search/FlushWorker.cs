using Atlas.Indexer.State;
using Atlas.Indexer.Sync;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Search;

/// <summary>Flushes as soon as the state commits outbox entries (an edit's pass, a takedown; changes that arrive while a
/// flush is in flight are coalesced into the next one), else every FlushInterval; small flushes shown from the recent
/// index hold their organisations write for a quiet gap (<see cref="IndexerOptions.OrganisationsWriteQuietGap"/>);
/// survives Meilisearch outages.</summary>
public sealed partial class FlushWorker(SearchFlusher flusher, FlushSignal signal, StateStore store, IOptions<IndexerOptions> options, ILogger<FlushWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        store.OutboxCommitted += signal.Signal.Set;
        try
        {
            await LoopAsync(stoppingToken);
        }
        finally
        {
            store.OutboxCommitted -= signal.Signal.Set;
        }
    }

    private async Task LoopAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.Value.FlushInterval;
            try
            {
                await flusher.EnsureIndexesAsync(stoppingToken);
                await flusher.FlushAllAsync(options.Value.OrganisationsWriteQuietGap, stoppingToken);
                failures = 0;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                wait = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(failures, 6)))) * (0.75 + Random.Shared.NextDouble() / 2);
                LogFlushFailed(e, wait.TotalSeconds);
            }
            try
            {
                await signal.Signal.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Flush to search failed; retrying in {Seconds:0.#} s")]
    private partial void LogFlushFailed(Exception e, double seconds);
}
