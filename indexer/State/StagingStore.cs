namespace Atlas.Indexer.State;

/// <summary>Where a pass in progress stands: the head it syncs to (feed_seq, root, keyset version), the cursor it
/// started from, and how far its change feed is staged (<see cref="NextAfter"/> null: every page is).</summary>
public sealed class PassProgress
{
    public long PeerId { get; set; }
    public long After { get; set; }
    public long Until { get; set; }
    public string Root { get; set; } = "";
    public long KeysetVersion { get; set; }
    public long? NextAfter { get; set; }
    public long Pages { get; set; }

    public bool Complete => NextAfter is null;

    /// <summary>True when this staging belongs to a pass from <paramref name="after"/> to the head
    /// (<paramref name="until"/>, <paramref name="root"/>, <paramref name="keysetVersion"/>): only then may a pass resume it.</summary>
    public bool IsFor(long after, long until, string root, long keysetVersion) =>
        After == after && Until == until && Root == root && KeysetVersion == keysetVersion;
}

/// <summary>The staging section (docs/protocol.md §6.2 steps 4–7 without holding a pass in memory). A pass writes its
/// verified versions here page by page (<see cref="AddPage"/>, one transaction each, with the page's cursor, so a
/// killed pass resumes at the next page when the head is the same), then the commit applies them in one write
/// transaction: decisions go to <c>pass_rows</c>/<c>pass_alerts</c> (the staged copy of the peer's state, read back
/// before the stored rows), the head root is computed over stored ∪ staged rows in SQL, and only then are the staged
/// rows moved into <c>listings</c>. Nothing here is read by search.</summary>
public sealed class StagingStore(StateSession s)
{
    public PassProgress? Progress(long peerId) =>
        s.QuerySingleOrDefault<PassProgress>("SELECT * FROM pass_progress WHERE peer_id = @peerId", new { peerId });

    /// <summary>Starts a new staging for the peer, dropping whatever an earlier, unfinished pass left.</summary>
    public PassProgress Begin(long peerId, long after, long until, string root, long keysetVersion)
    {
        Clear(peerId);
        var progress = new PassProgress { PeerId = peerId, After = after, Until = until, Root = root, KeysetVersion = keysetVersion, NextAfter = after, Pages = 0 };
        s.Execute(
            "INSERT INTO pass_progress (peer_id, after, until, root, keyset_version, next_after, pages) VALUES (@PeerId, @After, @Until, @Root, @KeysetVersion, @NextAfter, @Pages)",
            progress);
        return progress;
    }

    /// <summary>Stages one verified page and moves the cursor past it (<paramref name="next"/> null: the feed is complete).
    /// False when the staging is no longer this pass's (another pass of the peer began another head meanwhile).</summary>
    public bool AddPage(PassProgress progress, IEnumerable<(long FeedSeq, string Jws)> versions, long? next)
    {
        var moved = s.Execute(
            "UPDATE pass_progress SET next_after = @next, pages = pages + 1 WHERE peer_id = @PeerId AND after = @After AND until = @Until AND root = @Root AND keyset_version = @KeysetVersion",
            new { next, progress.PeerId, progress.After, progress.Until, progress.Root, progress.KeysetVersion });
        if (moved == 0)
        {
            return false;
        }
        foreach (var (feedSeq, jws) in versions)
        {
            s.Execute("INSERT OR REPLACE INTO pass_versions (peer_id, feed_seq, jws) VALUES (@peerId, @feedSeq, @jws)", new { peerId = progress.PeerId, feedSeq, jws });
        }
        progress.NextAfter = next;
        progress.Pages++;
        return true;
    }

    /// <summary>The staged versions after <paramref name="afterFeedSeq"/>, in feed order, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<(long FeedSeq, string Jws)> Versions(long peerId, long afterFeedSeq, int limit) =>
        s.Query<(long, string)>("SELECT feed_seq, jws FROM pass_versions WHERE peer_id = @peerId AND feed_seq > @afterFeedSeq ORDER BY feed_seq LIMIT @limit",
            new { peerId, afterFeedSeq, limit });

    public long VersionCount(long peerId) => s.ExecuteScalar<long>("SELECT COUNT(*) FROM pass_versions WHERE peer_id = @peerId", new { peerId });

    /// <summary>Drops the peer's staging (the pass committed, was discarded, or the peer is removed).</summary>
    public void Clear(long peerId) =>
        s.Execute("DELETE FROM pass_versions WHERE peer_id = @peerId; DELETE FROM pass_progress WHERE peer_id = @peerId;", new { peerId });

    /// <summary>The row this pass staged for (node, id), if any.</summary>
    public ListingRow? Row(string node, string id) =>
        s.QuerySingleOrDefault<ListingRow>("SELECT * FROM pass_rows WHERE node = @node AND id = @id", new { node, id });

    public void StageRow(ListingRow row)
    {
        row.TouchedAt = s.NowMs;
        s.Execute(
            """
            INSERT OR REPLACE INTO pass_rows (node, id, seq, hash, jws, kid, status, state, reason, review_by, first_seen, initial, verified_at, shown_jws, shown_kid, held_until, touched_at)
            VALUES (@Node, @Id, @Seq, @Hash, @Jws, @Kid, @Status, @State, @Reason, @ReviewBy, @FirstSeen, @Initial, @VerifiedAt, @ShownJws, @ShownKid, @HeldUntil, @TouchedAt)
            """, row);
    }

    public void StageAlert(NewAlert a) =>
        s.Execute("INSERT INTO pass_alerts (kind, node, listing_id, message, resolve) VALUES (@Kind, @Node, @ListingId, @Message, 0)", a);

    public void StageResolve(string kind, string listingId) =>
        s.Execute("INSERT INTO pass_alerts (kind, node, listing_id, message, resolve) VALUES (@kind, NULL, @listingId, '', 1)", new { kind, listingId });

    public long RowCount(string node) => s.ExecuteScalar<long>("SELECT COUNT(*) FROM pass_rows WHERE node = @node", new { node });

    /// <summary>The staged rows of a node after <paramref name="afterId"/>, by id, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<ListingRow> Rows(string node, string afterId, int limit) =>
        s.Query<ListingRow>("SELECT * FROM pass_rows WHERE node = @node AND id > @afterId ORDER BY id LIMIT @limit", new { node, afterId, limit });

    /// <summary>The staged alerts and resolutions after <paramref name="afterOrd"/>, in decision order.</summary>
    public IReadOnlyList<(long Ord, string Kind, string? Node, string? ListingId, string Message, long Resolve)> Alerts(long afterOrd, int limit) =>
        s.Query<(long, string, string?, string?, string, long)>(
            "SELECT ord, kind, node, listing_id, message, resolve FROM pass_alerts WHERE ord > @afterOrd ORDER BY ord LIMIT @limit", new { afterOrd, limit });

    /// <summary>The entries a head commitment covers once the staged rows replace the stored ones, sorted by id (the
    /// root's order; ids are lowercase UUIDs, so SQLite's binary order is the ordinal order). Streamed, not buffered.
    /// <paramref name="includeRevoked"/> false leaves out stored versions voided by a revocation, as
    /// <see cref="ListingStore.RootEntries"/> does.</summary>
    public IEnumerable<(string Id, long Seq, string Hash)> RootEntries(string node, bool includeRevoked) =>
        s.Stream<(string, long, string)>(
            """
            SELECT id, seq, hash FROM listings l
            WHERE l.node = @node AND (@includeRevoked OR l.state != 'revoked')
              AND NOT EXISTS (SELECT 1 FROM pass_rows r WHERE r.node = l.node AND r.id = l.id)
            UNION ALL
            SELECT id, seq, hash FROM pass_rows WHERE node = @node
            ORDER BY id
            """, new { node, includeRevoked });

    /// <summary>Empties the staged state of a commit (rows and alerts); the staged versions stay until <see cref="Clear"/>.</summary>
    public void DropStagedState() => s.Execute("DELETE FROM pass_rows; DELETE FROM pass_alerts;");
}
