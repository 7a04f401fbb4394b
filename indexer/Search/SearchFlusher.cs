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
            var (maxSeq, ids, size) = store.Read(s =>
            {
                var (max, taken) = s.Outbox.Take(options.Value.FlushBatchSize);
                return (max, taken, s.Outbox.Size());
            });
            IndexerTelemetry.ReportOutboxSize(size);
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
            using (var s = store.Read())
            {
                foreach (var id in ids)
                {
                    var docs = builder.Build(s, id);
                    if (docs.Count < s.Outbox.DocCount(id))
                    {
                        deletes.Add(id);
                    }
                    upserts.AddRange(docs);
                    counts[id] = docs.Count;
                }
            }
            store.Write(s => s.Outbox.RaiseDocCounts(counts));
            if (deletes.Count > 0)
            {
                await writer.DeleteListingsAsync(index, deletes, ct);
            }
            if (upserts.Count > 0)
            {
                await writer.UpsertDocumentsAsync(index, upserts, ct);
            }
            store.Write(s => s.Outbox.Complete(maxSeq, counts));
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            IndexerTelemetry.FlushDuration.Record(seconds);
            IndexerTelemetry.ReportOutboxSize(store.Read(s => s.Outbox.Size()));
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
