using Atlas.Indexer.State;
using Atlas.Indexer.Sync;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Search;

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
            var ids = store.Read(s => s.Listings.AllIds(after, options.Value.FlushBatchSize));
            if (ids.Count == 0)
            {
                break;
            }
            var docs = new List<SearchDocument>();
            using (var s = store.Read())
            {
                foreach (var id in ids)
                {
                    var built = builder.Build(s, id);
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
        store.Write(s => s.Outbox.RaiseDocCounts(counts));
        await writer.SwapAsync(index, temp, ct);
        await writer.DeleteIndexAsync(temp, ct);
        store.Write(s => s.Outbox.ReplaceDocCounts(counts));
        var requeued = store.Write(s => s.Outbox.EnqueueTouchedSince(mark));
        await flusher.FlushAllAsync(ct);
        LogReindexed(index, total, requeued);
        return total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuilt index {Index} with {Documents} document(s) and swapped it in; {Requeued} listing(s) changed meanwhile were re-queued")]
    private partial void LogReindexed(string index, int documents, int requeued);
}
