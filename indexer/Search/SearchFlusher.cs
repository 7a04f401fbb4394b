using System.Diagnostics;
using Atlas.Indexer.State;
using Atlas.Indexer.Sync;
using Atlas.Indexer.Meilisearch;
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

    /// <summary>Flushes one batch; returns the number of listings it covered (0 when the outbox is empty). Keyset
    /// chains whose trusted version changed are published to the signed index in the same flush.</summary>
    public async Task<int> FlushOnceAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var (maxSeq, ids) = store.TakeOutbox(options.Value.FlushBatchSize);
            IndexerTelemetry.ReportOutboxSize(store.OutboxSize());
            IReadOnlyList<(string Node, long Version)> keysets;
            IReadOnlyList<string> goneKeysets;
            using (var c = store.Open())
            {
                keysets = StateStore.KeysetsToPublish(c);
                goneKeysets = StateStore.KeysetsToRemove(c);
            }
            if (ids.Count == 0 && keysets.Count == 0 && goneKeysets.Count == 0)
            {
                return 0;
            }
            var index = options.Value.Index;
            var signedIndex = SignedIndexSettings.UidFor(index);
            if (!_indexReady)
            {
                await writer.EnsureIndexAsync(index, ct);
                await writer.EnsureSignedIndexAsync(signedIndex, ct);
                _indexReady = true;
            }
            var started = Stopwatch.GetTimestamp();
            var upserts = new List<SearchDocument>();
            var signed = new List<SignedDocument>();
            var deletes = new List<string>();
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            using (var c = store.Open())
            {
                foreach (var id in ids)
                {
                    var built = builder.Build(c, id);
                    if (built.Documents.Count < store.DocCount(c, id))
                    {
                        deletes.Add(id);
                    }
                    upserts.AddRange(built.Documents);
                    if (built.Signed is { } s)
                    {
                        signed.Add(s);
                    }
                    counts[id] = built.Documents.Count;
                }
                signed.AddRange(keysets.Select(k => SignedDocument.ForKeysets(k.Node, StateStore.KeysetChain(c, k.Node))));
            }
            store.RaiseDocCounts(counts);
            if (deletes.Count > 0)
            {
                await writer.DeleteListingsAsync(index, deletes, ct);
                await writer.DeleteListingsAsync(signedIndex, deletes, ct);
            }
            if (goneKeysets.Count > 0)
            {
                await writer.DeleteSignedAsync(signedIndex, goneKeysets.Select(SignedDocument.KeysetId).ToList(), ct);
            }
            // Signed bytes first: a card opened between the two writes sees new bytes and old documents (a warning
            // for a moment), never a new document without its signature.
            if (signed.Count > 0)
            {
                await writer.UpsertSignedAsync(signedIndex, signed, ct);
            }
            if (upserts.Count > 0)
            {
                await writer.UpsertDocumentsAsync(index, upserts, ct);
            }
            store.CompleteOutbox(maxSeq, counts);
            store.MarkKeysetsPublished(keysets, goneKeysets);
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
        var signedIndex = SignedIndexSettings.UidFor(index);
        var mark = store.NowMs;
        var stamp = time.GetUtcNow().ToUnixTimeMilliseconds();
        var temp = $"{index}_rebuild_{stamp}";
        var signedTemp = $"{signedIndex}_rebuild_{stamp}";
        await writer.EnsureIndexAsync(temp, ct);
        await writer.EnsureSignedIndexAsync(signedTemp, ct);
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
            var signed = new List<SignedDocument>();
            using (var c = store.Open())
            {
                foreach (var id in ids)
                {
                    var built = builder.Build(c, id);
                    counts[id] = built.Documents.Count;
                    docs.AddRange(built.Documents);
                    if (built.Signed is { } s)
                    {
                        signed.Add(s);
                    }
                }
            }
            if (signed.Count > 0)
            {
                await writer.UpsertSignedAsync(signedTemp, signed, ct);
            }
            if (docs.Count > 0)
            {
                await writer.UpsertDocumentsAsync(temp, docs, ct);
            }
            total += docs.Count;
            after = ids[^1];
        }
        IReadOnlyList<(string Node, long Version)> keysets;
        using (var c = store.Open())
        {
            keysets = StateStore.KeysetsToPublish(c, all: true);
            var chains = keysets.Select(k => SignedDocument.ForKeysets(k.Node, StateStore.KeysetChain(c, k.Node))).ToList();
            if (chains.Count > 0)
            {
                await writer.UpsertSignedAsync(signedTemp, chains, ct);
            }
        }
        await writer.EnsureIndexAsync(index, ct);
        await writer.EnsureSignedIndexAsync(signedIndex, ct);
        store.RaiseDocCounts(counts);
        await writer.SwapAsync([(index, temp), (signedIndex, signedTemp)], ct);
        await writer.DeleteIndexAsync(temp, ct);
        await writer.DeleteIndexAsync(signedTemp, ct);
        store.ReplaceDocCounts(counts);
        store.MarkKeysetsPublished(keysets, [], replace: true);
        var requeued = store.EnqueueTouchedSince(mark);
        await flusher.FlushAllAsync(ct);
        LogReindexed(index, total, requeued);
        return total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuilt index {Index} with {Documents} document(s) and swapped it in; {Requeued} listing(s) changed meanwhile were re-queued")]
    private partial void LogReindexed(string index, int documents, int requeued);
}
