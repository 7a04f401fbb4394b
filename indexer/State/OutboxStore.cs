namespace Atlas.Indexer.State;

/// <summary>The outbox and search section: listing ids whose documents must be recomputed (written in the
/// same transaction as the state change that caused it) and how many documents each listing has in search.</summary>
public sealed class OutboxStore(StateSession s)
{
    /// <summary>Ids remembered per session to write each once; forgotten past this many, so that a pass's commit over
    /// a whole feed keeps bounded memory (a repeat is harmless: the flusher coalesces ids).</summary>
    private const int RememberedIds = 4096;

    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);

    /// <summary>Whether this session queued anything (on commit the store tells the search side, see
    /// <see cref="StateStore.OutboxCommitted"/>).</summary>
    internal bool Written { get; private set; }

    /// <summary>Queues listing ids; an id queued twice in one session is written once (within the last few thousand).</summary>
    public void Enqueue(IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            if (_queued.Count >= RememberedIds)
            {
                _queued.Clear();
            }
            if (_queued.Add(id))
            {
                s.Execute("INSERT INTO outbox (listing_id) VALUES (@id)", new { id });
                Written = true;
            }
        }
    }

    /// <summary>Queues every listing of a node (hidden, shown again, removed).</summary>
    public void EnqueueNode(string node) => Wrote(s.Execute("INSERT INTO outbox (listing_id) SELECT id FROM listings WHERE node = @node", new { node }));

    /// <summary>The oldest entries after <paramref name="afterSeq"/> (0: from the start), at most
    /// <paramref name="limit"/>: the highest seq taken and the distinct listing ids.</summary>
    public (long MaxSeq, IReadOnlyList<string> Ids) Take(int limit, long afterSeq = 0)
    {
        var rows = s.Query<(long Seq, string Id)>("SELECT seq, listing_id FROM outbox WHERE seq > @afterSeq ORDER BY seq LIMIT @limit", new { limit, afterSeq });
        return rows.Count == 0 ? (0, []) : (rows[^1].Seq, rows.Select(r => r.Id).Distinct(StringComparer.Ordinal).ToList());
    }

    /// <summary>Drops flushed outbox entries and records how many documents each listing now has.</summary>
    public void Complete(long maxSeq, IReadOnlyDictionary<string, int> docCounts)
    {
        foreach (var (id, count) in docCounts)
        {
            s.Execute("INSERT OR REPLACE INTO search_docs (listing_id, doc_count) VALUES (@id, @count)", new { id, count });
        }
        s.Execute("DELETE FROM outbox WHERE seq <= @maxSeq", new { maxSeq });
    }

    /// <summary>Write-ahead for a flush: before documents are sent, the recorded count may only grow, so a
    /// crash after Meilisearch applied the add but before <see cref="Complete"/> still leaves a count
    /// that makes a later removal delete those documents.</summary>
    public void RaiseDocCounts(IReadOnlyDictionary<string, int> docCounts)
    {
        foreach (var (id, count) in docCounts.Where(kv => kv.Value > 0))
        {
            s.Execute(
                "INSERT INTO search_docs (listing_id, doc_count) VALUES (@id, @count) ON CONFLICT (listing_id) DO UPDATE SET doc_count = MAX(doc_count, excluded.doc_count)",
                new { id, count });
        }
    }

    public void ReplaceDocCounts(IReadOnlyDictionary<string, int> counts)
    {
        s.Execute("DELETE FROM search_docs");
        foreach (var (id, count) in counts)
        {
            s.Execute("INSERT INTO search_docs (listing_id, doc_count) VALUES (@id, @count)", new { id, count });
        }
    }

    public long Size() => s.ExecuteScalar<long>("SELECT COUNT(*) FROM outbox");

    /// <summary>The newest entry's seq (0 when empty). Seqs only grow and a write session holds the write lock, so
    /// every entry committed after a snapshot that saw this value has a greater seq.</summary>
    public long LastSeq() => s.ExecuteScalar<long>("SELECT IFNULL(MAX(seq), 0) FROM outbox");

    /// <summary>The listing ids queued after <paramref name="seq"/>: what changed since a snapshot that saw it.</summary>
    public IReadOnlySet<string> IdsAfter(long seq) =>
        s.Query<string>("SELECT DISTINCT listing_id FROM outbox WHERE seq > @seq", new { seq }).ToHashSet(StringComparer.Ordinal);

    /// <summary>The entries after <paramref name="seq"/> whose listing has documents in search (the removal lane's
    /// candidates), and the newest seq looked at.</summary>
    public (long LastSeq, IReadOnlyList<string> Ids) WithDocumentsAfter(long seq)
    {
        var last = s.ExecuteScalar<long>("SELECT IFNULL(MAX(seq), @seq) FROM outbox WHERE seq > @seq", new { seq });
        var ids = s.Query<string>(
            """
            SELECT DISTINCT o.listing_id FROM outbox o JOIN search_docs d ON d.listing_id = o.listing_id
            WHERE o.seq > @seq AND o.seq <= @last AND d.doc_count > 0
            """, new { seq, last });
        return (last, ids);
    }

    public int DocCount(string id) => s.ExecuteScalar<int?>("SELECT doc_count FROM search_docs WHERE listing_id = @id", new { id }) ?? 0;

    public int EnqueueTouchedSince(long sinceMs) =>
        Wrote(s.Execute("INSERT INTO outbox (listing_id) SELECT DISTINCT id FROM listings WHERE touched_at >= @sinceMs", new { sinceMs }));

    /// <summary>Listings past review_by leave search (state is kept; a re-confirmed version brings them back).</summary>
    public int EnqueueReviewExpired(string today) =>
        Wrote(s.Execute(
            """
            INSERT INTO outbox (listing_id)
            SELECT l.id FROM listings l JOIN search_docs s ON s.listing_id = l.id
            WHERE l.state = 'live' AND l.review_by < @today AND s.doc_count > 0
            """, new { today }));

    private int Wrote(int rows)
    {
        Written |= rows > 0;
        return rows;
    }
}
