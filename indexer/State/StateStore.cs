using System.Security.Cryptography;
using System.Text;
using Atlas.Protocol;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Atlas.Indexer.State;

/// <summary>Everything the pass of one peer commits at once: state rows, derived rows, alerts and the
/// outbox entries for search. One SQLite transaction, so a crash leaves either all of it or none.</summary>
public sealed class PassCommit
{
    public required PeerRow Peer { get; init; }
    public List<ListingRow> Rows { get; } = [];
    public List<NewAlert> Alerts { get; } = [];
    public List<(string Kind, string ListingId)> Resolve { get; } = [];
    public HashSet<string> Enqueue { get; } = new(StringComparer.Ordinal);
    public bool Unhide { get; set; }
}

/// <summary>The indexer's SQLite state (Dapper). Methods are short transactions; the caller holds the
/// per-node lock (<see cref="Sync.NodeLocks"/>) around read-check-commit sequences.</summary>
public sealed class StateStore(Database db, TimeProvider time)
{
    public long Now => time.GetUtcNow().ToUnixTimeSeconds();
    public long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    public SqliteConnection Open() => db.Open();

    // ---- peers -------------------------------------------------------------------------------------

    public long AddPeer(string url, string rootKid, string? name)
    {
        using var c = db.Open();
        return c.ExecuteScalar<long>(
            "INSERT INTO peers (url, root_kid, name, added_at) VALUES (@url, @rootKid, @name, @now) RETURNING id",
            new { url, rootKid, name, now = Now });
    }

    public IReadOnlyList<PeerRow> ListPeers()
    {
        using var c = db.Open();
        return c.Query<PeerRow>("SELECT * FROM peers ORDER BY id").AsList();
    }

    public PeerRow? GetPeer(long id)
    {
        using var c = db.Open();
        return c.QuerySingleOrDefault<PeerRow>("SELECT * FROM peers WHERE id = @id", new { id });
    }

    public PeerRow? FindPeer(string urlOrId)
    {
        using var c = db.Open();
        return long.TryParse(urlOrId, out var id)
            ? c.QuerySingleOrDefault<PeerRow>("SELECT * FROM peers WHERE id = @id", new { id })
            : c.QuerySingleOrDefault<PeerRow>("SELECT * FROM peers WHERE url = @u OR node_id = @u", new { u = urlOrId });
    }

    /// <summary>Removes a peer; its listings leave the state and search (the outbox deletes their documents).</summary>
    public void RemovePeer(PeerRow peer)
    {
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        if (peer.NodeId is { } node)
        {
            c.Execute("INSERT INTO outbox (listing_id) SELECT id FROM listings WHERE node = @node", new { node }, tx);
            c.Execute("DELETE FROM listings WHERE node = @node; DELETE FROM relationships WHERE source_node = @node; DELETE FROM names WHERE node = @node; DELETE FROM keysets WHERE node = @node;", new { node }, tx);
        }
        c.Execute("DELETE FROM peers WHERE id = @id", new { id = peer.Id }, tx);
        tx.Commit();
    }

    public bool NodeIdTakenByOtherPeer(string nodeId, long peerId)
    {
        using var c = db.Open();
        return c.ExecuteScalar<long>("SELECT COUNT(*) FROM peers WHERE node_id = @nodeId AND id != @peerId", new { nodeId, peerId }) > 0;
    }

    /// <summary>Stores a newly trusted keyset and hides what its revocations void (attack 10): rows whose
    /// latest or shown version was signed by a revoked key. <paramref name="chain"/> is every version trusted in
    /// this step, oldest first, ending with the new one (kept for the browser's chain walk).</summary>
    public void SaveKeyset(long peerId, string nodeId, string nodeName, IReadOnlyList<(long Version, string Json)> chain, long exp, IReadOnlyCollection<string> revoked)
    {
        var (version, json) = chain[^1];
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        c.Execute(
            "UPDATE peers SET node_id = @nodeId, node_name = @nodeName, keyset_json = @json, keyset_version = @version, keyset_exp = @exp WHERE id = @peerId",
            new { peerId, nodeId, nodeName, json, version, exp }, tx);
        foreach (var (v, j) in chain)
        {
            c.Execute("INSERT OR REPLACE INTO keysets (node, version, json) VALUES (@nodeId, @v, @j)", new { nodeId, v, j }, tx);
        }
        if (revoked.Count > 0)
        {
            // Tombstones too: a thief's takedown is as void as a thief's edit, so the node's re-signed version may
            // bring the listing back.
            var ids = c.Query<string>(
                "SELECT id FROM listings WHERE node = @nodeId AND state IN ('live', 'quarantined', 'tombstone') AND (kid IN @revoked OR shown_kid IN @revoked)",
                new { nodeId, revoked }, tx).AsList();
            c.Execute(
                "UPDATE listings SET state = 'revoked', reason = 'signed by a revoked key', touched_at = @ms WHERE node = @nodeId AND id IN @ids",
                new { nodeId, ids, ms = NowMs }, tx);
            c.Execute("DELETE FROM relationships WHERE source_node = @nodeId AND source_id IN @ids", new { nodeId, ids }, tx);
            Enqueue(c, tx, ids);
            // A feed position taken from a head signed by a revoked key (perhaps the thief's) says nothing about the
            // node's real feed: read it again from the start at the next change.
            var headJws = c.ExecuteScalar<string?>("SELECT head_jws FROM peers WHERE id = @peerId", new { peerId }, tx);
            if (HeadKid(headJws) is { } headKid && revoked.Contains(headKid))
            {
                c.Execute("UPDATE peers SET cursor = 0 WHERE id = @peerId", new { peerId }, tx);
            }
        }
        tx.Commit();
    }

    public void UpdateNodeName(long peerId, string nodeName)
    {
        using var c = db.Open();
        c.Execute("UPDATE peers SET node_name = @nodeName WHERE id = @peerId AND IFNULL(node_name, '') != @nodeName", new { peerId, nodeName });
    }

    /// <summary>Fail closed (attacks 7, 12): a node whose head or keyset went stale loses all its documents
    /// from search until it serves a fresh one. State is kept.</summary>
    public bool HideNode(string nodeId, string reason)
    {
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        var changed = c.Execute("UPDATE peers SET hidden_reason = @reason WHERE node_id = @nodeId AND hidden_reason IS NULL", new { nodeId, reason }, tx);
        if (changed > 0)
        {
            c.Execute("INSERT INTO outbox (listing_id) SELECT id FROM listings WHERE node = @nodeId", new { nodeId }, tx);
            RaiseAlert(c, tx, new NewAlert(AlertKinds.NodeHidden, nodeId, null, $"Listings of '{nodeId}' hidden: {reason}."));
        }
        tx.Commit();
        return changed > 0;
    }

    public void RecordFailure(long peerId, string error, long nextAttempt)
    {
        using var c = db.Open();
        c.Execute(
            "UPDATE peers SET last_error = @error, last_attempt = @now, failures = failures + 1, next_attempt = @nextAttempt WHERE id = @peerId",
            new { peerId, error, now = Now, nextAttempt });
    }

    /// <summary>Marks a pass as started: the next regular attempt is one poll away unless a push (ScheduleNow) comes.</summary>
    public void ClaimAttempt(long peerId, long nextAttempt)
    {
        using var c = db.Open();
        c.Execute("UPDATE peers SET next_attempt = @nextAttempt WHERE id = @peerId", new { peerId, nextAttempt });
    }

    public void ScheduleNow(long peerId)
    {
        using var c = db.Open();
        c.Execute("UPDATE peers SET next_attempt = 0 WHERE id = @peerId", new { peerId });
    }

    // ---- listings ----------------------------------------------------------------------------------

    public static ListingRow? GetRow(SqliteConnection c, string node, string id) =>
        c.QuerySingleOrDefault<ListingRow>("SELECT * FROM listings WHERE node = @node AND id = @id", new { node, id });

    /// <summary>The node that owns a listing id: the first node seen with it (rows marked conflict never own).</summary>
    public static string? OwnerOf(SqliteConnection c, string id) =>
        c.QueryFirstOrDefault<string>("SELECT node FROM listings WHERE id = @id AND state != 'conflict' ORDER BY first_seen, node LIMIT 1", new { id });

    /// <summary>The rows a head commitment covers; <paramref name="includeRevoked"/> false leaves out versions voided by
    /// a revocation (a thief's listing the node itself never had is never named by the node's head).</summary>
    public static IEnumerable<(string Id, long Seq, string Hash)> RootEntries(SqliteConnection c, string node, bool includeRevoked = true) =>
        c.Query<(string, long, string)>("SELECT id, seq, hash FROM listings WHERE node = @node AND (@includeRevoked OR state != 'revoked')", new { node, includeRevoked }, buffered: false);

    /// <summary>The kid in the protected header of a stored head (null when there is none or it does not parse).</summary>
    public static string? HeadKid(string? headJws)
    {
        if (headJws is null)
        {
            return null;
        }
        try
        {
            return Jws.ParseCompact(headJws, JwsTypes.Head, ProtocolLimits.MaxHeadBytes).Header.Kid;
        }
        catch (ProtocolException)
        {
            return null;
        }
    }

    public static long CountFirstSeenSince(SqliteConnection c, string node, long since) =>
        c.ExecuteScalar<long>("SELECT COUNT(*) FROM listings WHERE node = @node AND first_seen >= @since AND status = 'active' AND initial = 0", new { node, since });

    /// <summary>Live listings of other nodes whose name has this skeleton (confusable copies).</summary>
    public static IReadOnlyList<(string Node, string Id)> SameSkeleton(SqliteConnection c, string skeleton, string exceptNode) =>
        c.Query<(string, string)>("SELECT node, id FROM names WHERE skeleton = @skeleton AND node != @exceptNode LIMIT 10", new { skeleton, exceptNode }).AsList();

    public ListingRow? GetRow(string node, string id)
    {
        using var c = db.Open();
        return GetRow(c, node, id);
    }

    public IReadOnlyList<ListingRow> RowsOf(string node)
    {
        using var c = db.Open();
        return c.Query<ListingRow>("SELECT * FROM listings WHERE node = @node ORDER BY id", new { node }).AsList();
    }

    public void Commit(PassCommit pass)
    {
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        foreach (var row in pass.Rows)
        {
            row.TouchedAt = NowMs;
            c.Execute(
                """
                INSERT OR REPLACE INTO listings (node, id, seq, hash, jws, kid, status, state, reason, review_by, first_seen, initial, verified_at, shown_jws, shown_kid, held_until, touched_at)
                VALUES (@Node, @Id, @Seq, @Hash, @Jws, @Kid, @Status, @State, @Reason, @ReviewBy, @FirstSeen, @Initial, @VerifiedAt, @ShownJws, @ShownKid, @HeldUntil, @TouchedAt)
                """, row, tx);
            foreach (var target in WriteDerived(c, tx, row))
            {
                pass.Enqueue.Add(target);
            }
            pass.Enqueue.Add(row.Id);
        }
        foreach (var alert in pass.Alerts)
        {
            RaiseAlert(c, tx, alert);
            if (alert.ListingId is not null)
            {
                pass.Enqueue.Add(alert.ListingId);
            }
        }
        foreach (var (kind, listingId) in pass.Resolve)
        {
            if (ResolveAlert(c, tx, kind, listingId) > 0)
            {
                pass.Enqueue.Add(listingId);
            }
        }
        var p = pass.Peer;
        if (pass.Unhide && p.NodeId is not null)
        {
            c.Execute("INSERT INTO outbox (listing_id) SELECT id FROM listings WHERE node = @node", new { node = p.NodeId }, tx);
            c.Execute("UPDATE alerts SET resolved_at = @now WHERE kind = @kind AND node = @node AND listing_id IS NULL AND resolved_at IS NULL",
                new { now = Now, kind = AlertKinds.NodeHidden, node = p.NodeId }, tx);
        }
        c.Execute(
            """
            UPDATE peers SET node_id = @NodeId, node_name = @NodeName, head_jws = @HeadJws, head_feed_seq = @HeadFeedSeq, head_root = @HeadRoot,
                head_iat = @HeadIat, head_exp = @HeadExp, cursor = @Cursor, hidden_reason = @HiddenReason, last_success = @LastSuccess,
                last_attempt = @LastAttempt, last_error = NULL, failures = 0,
                -- 0 = a push arrived during this pass (ScheduleNow): keep it, so the push is served by another pass.
                next_attempt = CASE WHEN next_attempt = 0 THEN 0 ELSE @NextAttempt END
            WHERE id = @Id
            """, p, tx);
        Enqueue(c, tx, pass.Enqueue);
        tx.Commit();
    }

    /// <summary>Keeps relationships (for endorsements) and name skeletons (for confusables) in step with a
    /// row; returns the relationship targets whose endorsement may have changed.</summary>
    private static IEnumerable<string> WriteDerived(SqliteConnection c, SqliteTransaction tx, ListingRow row)
    {
        var key = new { node = row.Node, id = row.Id };
        var targets = c.Query<string>("SELECT target_id FROM relationships WHERE source_node = @node AND source_id = @id", key, tx).ToHashSet(StringComparer.Ordinal);
        // Documents that name this listing as a relationship target show its name: refresh them too.
        targets.UnionWith(c.Query<string>("SELECT source_id FROM relationships WHERE target_id = @id", key, tx));
        c.Execute("DELETE FROM relationships WHERE source_node = @node AND source_id = @id; DELETE FROM names WHERE node = @node AND id = @id;", key, tx);
        if (row.State == ListingState.Live)
        {
            var (payload, _, _) = StoredListing.Read(row.ShownJws ?? row.Jws);
            if (payload.Org is { } org)
            {
                foreach (var rel in org.Relationships.Select(r => r.Target).Distinct(StringComparer.Ordinal).Where(t => t != row.Id))
                {
                    c.Execute("INSERT OR IGNORE INTO relationships (source_node, source_id, target_id) VALUES (@node, @id, @rel)", new { key.node, key.id, rel }, tx);
                    targets.Add(rel);
                }
                foreach (var skeleton in org.Name.Values.Select(Sync.Confusables.Skeleton).Where(s => s.Length >= 3).Distinct())
                {
                    c.Execute("INSERT OR IGNORE INTO names (node, id, skeleton) VALUES (@node, @id, @skeleton)", new { key.node, key.id, skeleton }, tx);
                }
            }
        }
        return targets;
    }

    /// <summary>Applies one relayed tombstone (attack 7) to an existing row.</summary>
    public void ApplyTombstone(ListingRow row)
    {
        var pass = new PassCommit { Peer = new PeerRow() };
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        row.TouchedAt = NowMs;
        c.Execute(
            """
            UPDATE listings SET seq = @Seq, hash = @Hash, jws = @Jws, kid = @Kid, status = @Status, state = @State, reason = @Reason,
                review_by = NULL, verified_at = @VerifiedAt, shown_jws = NULL, shown_kid = NULL, held_until = NULL, touched_at = @TouchedAt
            WHERE node = @Node AND id = @Id
            """, row, tx);
        foreach (var target in WriteDerived(c, tx, row))
        {
            pass.Enqueue.Add(target);
        }
        pass.Enqueue.Add(row.Id);
        ResolveAlert(c, tx, AlertKinds.ContactChanged, row.Id);
        Enqueue(c, tx, pass.Enqueue);
        tx.Commit();
    }

    /// <summary>Resolves the open alert of this kind on this listing; returns how many were open (0 or 1).</summary>
    private int ResolveAlert(SqliteConnection c, SqliteTransaction tx, string kind, string listingId) =>
        c.Execute("UPDATE alerts SET resolved_at = @now WHERE kind = @kind AND listing_id = @listingId AND resolved_at IS NULL",
            new { kind, listingId, now = Now }, tx);

    // ---- alerts and evidence -------------------------------------------------------------------------

    private void RaiseAlert(SqliteConnection c, SqliteTransaction? tx, NewAlert a) =>
        c.Execute(
            "INSERT OR IGNORE INTO alerts (kind, node, listing_id, message, since) VALUES (@Kind, @Node, @ListingId, @Message, @now)",
            new { a.Kind, a.Node, a.ListingId, a.Message, now = Now }, tx);

    /// <summary>Raises an alert outside a pass (it must survive even if the pass is not committed).</summary>
    public void RaiseAlert(NewAlert alert)
    {
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        RaiseAlert(c, tx, alert);
        if (alert.ListingId is not null)
        {
            Enqueue(c, tx, [alert.ListingId]);
        }
        tx.Commit();
    }

    public void AddEvidence(Evidence e)
    {
        using var c = db.Open();
        var rawHash = Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(e.Raw)));
        c.Execute(
            "INSERT OR IGNORE INTO evidence (node, listing_id, seq, reason, message, raw, raw_hash, at) VALUES (@Node, @ListingId, @Seq, @Reason, @Message, @Raw, @rawHash, @now)",
            new { e.Node, e.ListingId, e.Seq, e.Reason, e.Message, e.Raw, rawHash, now = Now });
    }

    public IReadOnlyList<AlertRow> Alerts(bool openOnly = true)
    {
        using var c = db.Open();
        return c.Query<AlertRow>($"SELECT * FROM alerts {(openOnly ? "WHERE resolved_at IS NULL" : "")} ORDER BY id").AsList();
    }

    public IReadOnlyList<(string Reason, string? ListingId, string Raw)> EvidenceOf(string? node)
    {
        using var c = db.Open();
        return c.Query<(string, string?, string)>("SELECT reason, listing_id, raw FROM evidence WHERE node IS @node OR @node IS NULL ORDER BY id", new { node }).AsList();
    }

    public long QuarantinedCount(string node)
    {
        using var c = db.Open();
        return c.ExecuteScalar<long>(
            "SELECT (SELECT COUNT(*) FROM evidence WHERE node = @node) + (SELECT COUNT(*) FROM listings WHERE node = @node AND state IN ('quarantined', 'conflict', 'revoked'))",
            new { node });
    }

    public long OpenAlertCount(string node)
    {
        using var c = db.Open();
        return c.ExecuteScalar<long>(
            "SELECT COUNT(*) FROM alerts WHERE resolved_at IS NULL AND (node = @node OR listing_id IN (SELECT id FROM listings WHERE node = @node))", new { node });
    }

    // ---- outbox and search -----------------------------------------------------------------------------

    private static void Enqueue(SqliteConnection c, SqliteTransaction tx, IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            c.Execute("INSERT INTO outbox (listing_id) VALUES (@id)", new { id }, tx);
        }
    }

    public (long MaxSeq, IReadOnlyList<string> Ids) TakeOutbox(int limit)
    {
        using var c = db.Open();
        var rows = c.Query<(long Seq, string Id)>("SELECT seq, listing_id FROM outbox ORDER BY seq LIMIT @limit", new { limit }).AsList();
        return rows.Count == 0 ? (0, []) : (rows[^1].Seq, rows.Select(r => r.Id).Distinct(StringComparer.Ordinal).ToList());
    }

    /// <summary>Drops flushed outbox entries and records how many documents each listing now has.</summary>
    public void CompleteOutbox(long maxSeq, IReadOnlyDictionary<string, int> docCounts)
    {
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        foreach (var (id, count) in docCounts)
        {
            c.Execute("INSERT OR REPLACE INTO search_docs (listing_id, doc_count) VALUES (@id, @count)", new { id, count }, tx);
        }
        c.Execute("DELETE FROM outbox WHERE seq <= @maxSeq", new { maxSeq }, tx);
        tx.Commit();
    }

    /// <summary>Write-ahead for a flush: before documents are sent, the recorded count may only grow, so a
    /// crash after Meilisearch applied the add but before <see cref="CompleteOutbox"/> still leaves a count
    /// that makes a later removal delete those documents.</summary>
    public void RaiseDocCounts(IReadOnlyDictionary<string, int> docCounts)
    {
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        foreach (var (id, count) in docCounts.Where(kv => kv.Value > 0))
        {
            c.Execute(
                "INSERT INTO search_docs (listing_id, doc_count) VALUES (@id, @count) ON CONFLICT (listing_id) DO UPDATE SET doc_count = MAX(doc_count, excluded.doc_count)",
                new { id, count }, tx);
        }
        tx.Commit();
    }

    public long OutboxSize()
    {
        using var c = db.Open();
        return c.ExecuteScalar<long>("SELECT COUNT(*) FROM outbox");
    }

    public int DocCount(SqliteConnection c, string id) =>
        c.ExecuteScalar<int?>("SELECT doc_count FROM search_docs WHERE listing_id = @id", new { id }) ?? 0;

    /// <summary>The row that decides what search shows for an id: its owner's row, with the node's name and visibility.</summary>
    public static SearchSource? SearchSourceOf(SqliteConnection c, string id) =>
        c.Query<ListingRow, string, string, SearchSource>(
            """
            SELECT l.*, IFNULL(p.node_name, l.node) AS node_name, p.hidden_reason FROM listings l
            JOIN peers p ON p.node_id = l.node
            WHERE l.id = @id AND l.state != 'conflict' ORDER BY l.first_seen, l.node LIMIT 1
            """,
            (row, name, hidden) => new SearchSource { Row = row, NodeName = name, HiddenReason = hidden },
            new { id }, splitOn: "node_name,hidden_reason").FirstOrDefault();

    public static IReadOnlyList<string> EndorsedBy(SqliteConnection c, string id, string signer) =>
        c.Query<string>(
            "SELECT DISTINCT source_node FROM relationships WHERE target_id = @id AND source_node != @signer ORDER BY source_node",
            new { id, signer }).AsList();

    public static IReadOnlyList<AlertRow> OpenAlertsFor(SqliteConnection c, string id) =>
        c.Query<AlertRow>("SELECT * FROM alerts WHERE listing_id = @id AND resolved_at IS NULL ORDER BY id", new { id }).AsList();

    // ---- signed index: keyset chains -------------------------------------------------------------------

    /// <summary>Every keyset version of a node this indexer trusted, oldest first.</summary>
    public static IReadOnlyList<string> KeysetChain(SqliteConnection c, string node) =>
        c.Query<string>("SELECT json FROM keysets WHERE node = @node ORDER BY version", new { node }).AsList();

    /// <summary>Nodes whose trusted keyset version differs from the one the signed index holds
    /// (<paramref name="all"/>: every node, for a rebuilt index).</summary>
    public static IReadOnlyList<(string Node, long Version)> KeysetsToPublish(SqliteConnection c, bool all = false) =>
        c.Query<(string, long)>(
            """
            SELECT p.node_id, p.keyset_version FROM peers p LEFT JOIN search_keysets s ON s.node = p.node_id
            WHERE p.node_id IS NOT NULL AND p.keyset_version IS NOT NULL AND (@all OR s.version IS NULL OR s.version != p.keyset_version)
            ORDER BY p.node_id
            """, new { all }).AsList();

    /// <summary>Nodes the signed index holds a keyset chain for that are no longer peers.</summary>
    public static IReadOnlyList<string> KeysetsToRemove(SqliteConnection c) =>
        c.Query<string>("SELECT node FROM search_keysets WHERE node NOT IN (SELECT node_id FROM peers WHERE node_id IS NOT NULL)").AsList();

    /// <summary>Records what the signed index now holds (<paramref name="replace"/>: exactly this, after a rebuild).</summary>
    public void MarkKeysetsPublished(IReadOnlyList<(string Node, long Version)> published, IReadOnlyList<string> removed, bool replace = false)
    {
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        if (replace)
        {
            c.Execute("DELETE FROM search_keysets", transaction: tx);
        }
        foreach (var (node, version) in published)
        {
            c.Execute("INSERT OR REPLACE INTO search_keysets (node, version) VALUES (@node, @version)", new { node, version }, tx);
        }
        foreach (var node in removed)
        {
            c.Execute("DELETE FROM search_keysets WHERE node = @node", new { node }, tx);
        }
        tx.Commit();
    }

    public IReadOnlyList<string> AllListingIds(string? after, int limit)
    {
        using var c = db.Open();
        return c.Query<string>("SELECT DISTINCT id FROM listings WHERE id > @after ORDER BY id LIMIT @limit", new { after = after ?? "", limit }).AsList();
    }

    public void ReplaceDocCounts(IReadOnlyDictionary<string, int> counts)
    {
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        c.Execute("DELETE FROM search_docs", transaction: tx);
        foreach (var (id, count) in counts)
        {
            c.Execute("INSERT INTO search_docs (listing_id, doc_count) VALUES (@id, @count)", new { id, count }, tx);
        }
        tx.Commit();
    }

    public int EnqueueTouchedSince(long sinceMs)
    {
        using var c = db.Open();
        return c.Execute("INSERT INTO outbox (listing_id) SELECT DISTINCT id FROM listings WHERE touched_at >= @sinceMs", new { sinceMs });
    }

    // ---- maintenance -----------------------------------------------------------------------------------

    public IReadOnlyList<PeerRow> PeersWithStaleTrust(long now)
    {
        using var c = db.Open();
        return c.Query<PeerRow>(
            "SELECT * FROM peers WHERE hidden_reason IS NULL AND node_id IS NOT NULL AND (head_exp <= @now OR keyset_exp <= @now)", new { now }).AsList();
    }

    /// <summary>Ends the cool-off of held contact changes: the newest verified version becomes visible.</summary>
    public int ReleaseHolds(long now)
    {
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        var rows = c.Query<ListingRow>("SELECT * FROM listings WHERE held_until IS NOT NULL AND held_until <= @now", new { now }, tx).AsList();
        var pass = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            EndHold(c, tx, row, pass);
        }
        Enqueue(c, tx, pass);
        tx.Commit();
        return rows.Count;
    }

    /// <summary>What an operator may review: listings quarantined (e.g. over the per-day cap) or with a held contact change.</summary>
    public IReadOnlyList<ListingRow> HeldBack()
    {
        using var c = db.Open();
        return c.Query<ListingRow>("SELECT * FROM listings WHERE state = 'quarantined' OR held_until IS NOT NULL ORDER BY node, id").AsList();
    }

    /// <summary>An operator's decision after review: a quarantined listing goes live, or a held contact change is
    /// shown now instead of after the cool-off. Returns what was released, or null if the listing is not held back.</summary>
    public string? Release(string node, string id)
    {
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        var row = c.QuerySingleOrDefault<ListingRow>("SELECT * FROM listings WHERE node = @node AND id = @id", new { node, id }, tx);
        var pass = new HashSet<string>(StringComparer.Ordinal);
        string? released = null;
        if (row?.State == ListingState.Quarantined)
        {
            row.State = ListingState.Live;
            row.Reason = null;
            c.Execute("UPDATE listings SET state = @State, reason = NULL, touched_at = @ms WHERE node = @Node AND id = @Id",
                new { row.State, row.Node, row.Id, ms = NowMs }, tx);
            pass.UnionWith(WriteDerived(c, tx, row));
            pass.Add(row.Id);
            ResolveAlert(c, tx, AlertKinds.NewNodeBurst, row.Id);
            released = "quarantine";
        }
        else if (row?.HeldUntil is not null)
        {
            EndHold(c, tx, row, pass);
            released = "contact hold";
        }
        Enqueue(c, tx, pass);
        tx.Commit();
        return released;
    }

    private void EndHold(SqliteConnection c, SqliteTransaction tx, ListingRow row, HashSet<string> pass)
    {
        row.ShownJws = null;
        row.ShownKid = null;
        row.HeldUntil = null;
        c.Execute("UPDATE listings SET shown_jws = NULL, shown_kid = NULL, held_until = NULL, touched_at = @ms WHERE node = @Node AND id = @Id",
            new { row.Node, row.Id, ms = NowMs }, tx);
        pass.UnionWith(WriteDerived(c, tx, row));
        pass.Add(row.Id);
        ResolveAlert(c, tx, AlertKinds.ContactChanged, row.Id);
    }

    /// <summary>Listings past review_by leave search (state is kept; a re-confirmed version brings them back).</summary>
    public int EnqueueReviewExpired(string today)
    {
        using var c = db.Open();
        return c.Execute(
            """
            INSERT INTO outbox (listing_id)
            SELECT l.id FROM listings l JOIN search_docs s ON s.listing_id = l.id
            WHERE l.state = 'live' AND l.review_by < @today AND s.doc_count > 0
            """, new { today });
    }
}
