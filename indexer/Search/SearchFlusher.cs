using System.Diagnostics;
using Atlas.Indexer.State;
using Atlas.Indexer.Sync;
using Atlas.Indexer.Telemetry;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Search;

/// <summary>Drains the outbox into search in coalesced batches: per flush at most one delete task (listings
/// that vanished or lost places) and one documents task. Replay after a crash is safe: documents are
/// upserts by doc_id and deletions are by listing id.</summary>
public sealed partial class SearchFlusher(
    StateStore store,
    SearchIndexWriter writer,
    DocumentBuilder builder,
    IOptions<IndexerOptions> options,
    ILogger<SearchFlusher> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _indexReady;

    /// <summary>Flushes one batch; returns the number of listings it covered (0 when the outbox is empty).</summary>
    public async Task<int> FlushOnceAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var (maxSeq, ids) = store.TakeOutbox(options.Value.FlushBatchSize);
            IndexerTelemetry.ReportOutboxSize(store.OutboxSize());
            if (ids.Count == 0)
            {
                return 0;
            }
            var index = options.Value.Index;
            if (!_indexReady)
            {
                await writer.EnsureIndexAsync(index, ct);
                _indexReady = true;
            }
            var started = Stopwatch.GetTimestamp();
            var upserts = new List<SearchDocument>();
            var deletes = new List<string>();
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            using (var c = store.Open())
            {
                foreach (var id in ids)
                {
                    var docs = builder.Build(c, id);
                    if (docs.Count < store.DocCount(c, id))
                    {
                        deletes.Add(id);
                    }
                    upserts.AddRange(docs);
                    counts[id] = docs.Count;
                }
            }
            store.RaiseDocCounts(counts);
            if (deletes.Count > 0)
            {
                await writer.DeleteListingsAsync(index, deletes, ct);
            }
            if (upserts.Count > 0)
            {
                await writer.UpsertDocumentsAsync(index, upserts, ct);
            }
            store.CompleteOutbox(maxSeq, counts);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            IndexerTelemetry.FlushDuration.Record(seconds);
            IndexerTelemetry.ReportOutboxSize(store.OutboxSize());
            LogFlushed(ids.Count, upserts.Count, deletes.Count, seconds * 1000);
            return ids.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Flushes until the outbox is empty (bounded: stops after a number of batches).</summary>
    public async Task FlushAllAsync(CancellationToken ct)
    {
        for (var i = 0; i < 10_000 && await FlushOnceAsync(ct) > 0; i++)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Flushed {Listings} listing(s): {Upserts} document(s) upserted, {Deletes} listing(s) deleted in {Ms:0} ms")]
    private partial void LogFlushed(int listings, int upserts, int deletes, double ms);
}

/// <summary>Flushes every FlushInterval, or at once when a takedown arrives; survives Meilisearch outages.</summary>
public sealed partial class FlushWorker(SearchFlusher flusher, FlushSignal signal, IOptions<IndexerOptions> options, ILogger<FlushWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.Value.FlushInterval;
            try
            {
                await flusher.FlushAllAsync(stoppingToken);
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

/// <summary>Zero-downtime rebuild: fill a fresh index from state, swap it in atomically, drop the old one.
/// Listings touched during the rebuild are re-queued so nothing flushed to the old index is lost.</summary>
public sealed partial class Reindexer(StateStore store, SearchIndexWriter writer, DocumentBuilder builder, SearchFlusher flusher, IOptions<IndexerOptions> options, TimeProvider time, ILogger<Reindexer> logger)
{
    public async Task<int> ReindexAsync(CancellationToken ct)
    {
        var index = options.Value.Index;
        var mark = store.NowMs;
        var temp = $"{index}_rebuild_{time.GetUtcNow().ToUnixTimeMilliseconds()}";
        await writer.EnsureIndexAsync(temp, ct);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var total = 0;
        string? after = null;
        while (true)
        {
            var ids = store.AllListingIds(after, options.Value.FlushBatchSize);
            if (ids.Count == 0)
            {
                break;
            }
            var docs = new List<SearchDocument>();
            using (var c = store.Open())
            {
                foreach (var id in ids)
                {
                    var built = builder.Build(c, id);
                    counts[id] = built.Count;
                    docs.AddRange(built);
                }
            }
            if (docs.Count > 0)
            {
                await writer.UpsertDocumentsAsync(temp, docs, ct);
            }
            total += docs.Count;
            after = ids[^1];
        }
        await writer.EnsureIndexAsync(index, ct);
        store.RaiseDocCounts(counts);
        await writer.SwapAsync(index, temp, ct);
        await writer.DeleteIndexAsync(temp, ct);
        store.ReplaceDocCounts(counts);
        var requeued = store.EnqueueTouchedSince(mark);
        await flusher.FlushAllAsync(ct);
        LogReindexed(index, total, requeued);
        return total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuilt index {Index} with {Documents} document(s) and swapped it in; {Requeued} listing(s) changed meanwhile were re-queued")]
    private partial void LogReindexed(string index, int documents, int requeued);
}
