namespace Atlas.Indexer.State;

/// <summary>The listings section: one row per (node, listing id) with the latest verified version, plus the
/// rows derived from it (relationships for endorsements, name skeletons for confusables).</summary>
public sealed class ListingStore(StateSession s)
{
    public ListingRow? Get(string node, string id) =>
        s.QuerySingleOrDefault<ListingRow>("SELECT * FROM listings WHERE node = @node AND id = @id", new { node, id });

    public IReadOnlyList<ListingRow> RowsOf(string node) =>
        s.Query<ListingRow>("SELECT * FROM listings WHERE node = @node ORDER BY id", new { node });

    /// <summary>The node that owns a listing id: the first node seen with it (rows marked conflict never own).</summary>
    public string? OwnerOf(string id) =>
        s.QueryFirstOrDefault<string>("SELECT node FROM listings WHERE id = @id AND state != 'conflict' ORDER BY first_seen, node LIMIT 1", new { id });

    /// <summary>The rows a head commitment covers; <paramref name="includeRevoked"/> false leaves out versions voided by
    /// a revocation (a thief's listing the node itself never had is never named by the node's head).</summary>
    public IEnumerable<(string Id, long Seq, string Hash)> RootEntries(string node, bool includeRevoked = true) =>
        s.Stream<(string, long, string)>("SELECT id, seq, hash FROM listings WHERE node = @node AND (@includeRevoked OR state != 'revoked')", new { node, includeRevoked });

    public long CountFirstSeenSince(string node, long since) =>
        s.ExecuteScalar<long>("SELECT COUNT(*) FROM listings WHERE node = @node AND first_seen >= @since AND status = 'active' AND initial = 0", new { node, since });

    /// <summary>Live listings of other nodes whose name has this skeleton (confusable copies).</summary>
    public IReadOnlyList<(string Node, string Id)> SameSkeleton(string skeleton, string exceptNode) =>
        s.Query<(string, string)>("SELECT node, id FROM names WHERE skeleton = @skeleton AND node != @exceptNode LIMIT 10", new { skeleton, exceptNode });

    /// <summary>Writes a row as decided and queues it and the listings whose documents show it.</summary>
    public void Put(ListingRow row)
    {
        row.TouchedAt = s.NowMs;
        s.Execute(
            """
            INSERT OR REPLACE INTO listings (node, id, seq, hash, jws, kid, status, state, reason, review_by, first_seen, initial, verified_at, shown_jws, shown_kid, held_until, touched_at)
            VALUES (@Node, @Id, @Seq, @Hash, @Jws, @Kid, @Status, @State, @Reason, @ReviewBy, @FirstSeen, @Initial, @VerifiedAt, @ShownJws, @ShownKid, @HeldUntil, @TouchedAt)
            """, row);
        Derive(row);
    }

    /// <summary>Applies one relayed tombstone (attack 7) to an existing row.</summary>
    public void ApplyTombstone(ListingRow row)
    {
        row.TouchedAt = s.NowMs;
        s.Execute(
            """
            UPDATE listings SET seq = @Seq, hash = @Hash, jws = @Jws, kid = @Kid, status = @Status, state = @State, reason = @Reason,
                review_by = NULL, verified_at = @VerifiedAt, shown_jws = NULL, shown_kid = NULL, held_until = NULL, touched_at = @TouchedAt
            WHERE node = @Node AND id = @Id
            """, row);
        Derive(row);
        s.Alerts.Resolve(AlertKinds.ContactChanged, row.Id);
    }

    /// <summary>Hides the rows whose latest or shown version a revoked key signed (attack 10). Tombstones too: a
    /// thief's takedown is as void as a thief's edit, so the node's re-signed version may bring the listing back.</summary>
    public void MarkRevoked(string node, IReadOnlyCollection<string> revoked)
    {
        var ids = s.Query<string>(
            "SELECT id FROM listings WHERE node = @node AND state IN ('live', 'quarantined', 'tombstone') AND (kid IN @revoked OR shown_kid IN @revoked)",
            new { node, revoked });
        s.Execute(
            "UPDATE listings SET state = 'revoked', reason = 'signed by a revoked key', touched_at = @ms WHERE node = @node AND id IN @ids",
            new { node, ids, ms = s.NowMs });
        s.Execute("DELETE FROM relationships WHERE source_node = @node AND source_id IN @ids", new { node, ids });
        s.Outbox.Enqueue(ids);
    }

    public void RemoveNode(string node) =>
        s.Execute("DELETE FROM listings WHERE node = @node; DELETE FROM relationships WHERE source_node = @node; DELETE FROM names WHERE node = @node;", new { node });

    /// <summary>Ends the cool-off of held contact changes: the newest verified version becomes visible.</summary>
    public int ReleaseHolds(long now)
    {
        var rows = s.Query<ListingRow>("SELECT * FROM listings WHERE held_until IS NOT NULL AND held_until <= @now", new { now });
        foreach (var row in rows)
        {
            EndHold(row);
        }
        return rows.Count;
    }

    /// <summary>What an operator may review: listings quarantined (e.g. over the per-day cap) or with a held contact change.</summary>
    public IReadOnlyList<ListingRow> HeldBack() =>
        s.Query<ListingRow>("SELECT * FROM listings WHERE state = 'quarantined' OR held_until IS NOT NULL ORDER BY node, id");

    /// <summary>An operator's decision after review: a quarantined listing goes live, or a held contact change is
    /// shown now instead of after the cool-off. Returns what was released, or null if the listing is not held back.</summary>
    public string? Release(string node, string id)
    {
        var row = Get(node, id);
        if (row?.State == ListingState.Quarantined)
        {
            row.State = ListingState.Live;
            row.Reason = null;
            s.Execute("UPDATE listings SET state = @State, reason = NULL, touched_at = @ms WHERE node = @Node AND id = @Id",
                new { row.State, row.Node, row.Id, ms = s.NowMs });
            Derive(row);
            s.Alerts.Resolve(AlertKinds.NewNodeBurst, row.Id);
            return "quarantine";
        }
        if (row?.HeldUntil is not null)
        {
            EndHold(row);
            return "contact hold";
        }
        return null;
    }

    /// <summary>The row that decides what search shows for an id: its owner's row, with the node's name and visibility.</summary>
    public SearchSource? SearchSourceOf(string id) =>
        s.Query<ListingRow, string, string, SearchSource>(
            """
            SELECT l.*, IFNULL(p.node_name, l.node) AS node_name, p.hidden_reason FROM listings l
            JOIN peers p ON p.node_id = l.node
            WHERE l.id = @id AND l.state != 'conflict' ORDER BY l.first_seen, l.node LIMIT 1
            """,
            (row, name, hidden) => new SearchSource { Row = row, NodeName = name, HiddenReason = hidden },
            new { id }, splitOn: "node_name,hidden_reason").FirstOrDefault();

    public IReadOnlyList<string> EndorsedBy(string id, string signer) =>
        s.Query<string>("SELECT DISTINCT source_node FROM relationships WHERE target_id = @id AND source_node != @signer ORDER BY source_node", new { id, signer });

    public IReadOnlyList<string> AllIds(string? after, int limit) =>
        s.Query<string>("SELECT DISTINCT id FROM listings WHERE id > @after ORDER BY id LIMIT @limit", new { after = after ?? "", limit });

    private void EndHold(ListingRow row)
    {
        row.ShownJws = null;
        row.ShownKid = null;
        row.HeldUntil = null;
        s.Execute("UPDATE listings SET shown_jws = NULL, shown_kid = NULL, held_until = NULL, touched_at = @ms WHERE node = @Node AND id = @Id",
            new { row.Node, row.Id, ms = s.NowMs });
        Derive(row);
        s.Alerts.Resolve(AlertKinds.ContactChanged, row.Id);
    }

    /// <summary>Keeps relationships (for endorsements) and name skeletons (for confusables) in step with a
    /// row, and queues the row and the relationship targets whose documents may have changed.</summary>
    private void Derive(ListingRow row)
    {
        var key = new { node = row.Node, id = row.Id };
        var targets = s.Query<string>("SELECT target_id FROM relationships WHERE source_node = @node AND source_id = @id", key).ToHashSet(StringComparer.Ordinal);
        // Documents that name this listing as a relationship target show its name: refresh them too.
        targets.UnionWith(s.Query<string>("SELECT source_id FROM relationships WHERE target_id = @id", key));
        s.Execute("DELETE FROM relationships WHERE source_node = @node AND source_id = @id; DELETE FROM names WHERE node = @node AND id = @id;", key);
        if (row.State == ListingState.Live)
        {
            var (payload, _, _) = StoredListing.Read(row.ShownJws ?? row.Jws);
            if (payload.Org is { } org)
            {
                foreach (var rel in org.Relationships.Select(r => r.Target).Distinct(StringComparer.Ordinal).Where(t => t != row.Id))
                {
                    s.Execute("INSERT OR IGNORE INTO relationships (source_node, source_id, target_id) VALUES (@node, @id, @rel)", new { key.node, key.id, rel });
                    targets.Add(rel);
                }
                foreach (var skeleton in org.Name.Values.Select(Sync.Confusables.Skeleton).Where(x => x.Length >= 3).Distinct())
                {
                    s.Execute("INSERT OR IGNORE INTO names (node, id, skeleton) VALUES (@node, @id, @skeleton)", new { key.node, key.id, skeleton });
                }
            }
        }
        targets.Add(row.Id);
        s.Outbox.Enqueue(targets);
    }
}
