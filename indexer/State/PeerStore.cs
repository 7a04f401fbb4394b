namespace Atlas.Indexer.State;

/// <summary>The peers section of the state: configured peers, their trusted keyset and head, schedule and visibility.</summary>
public sealed class PeerStore(StateSession s)
{
    public long Add(string url, string rootKid, string? name) =>
        s.ExecuteScalar<long>(
            "INSERT INTO peers (url, root_kid, name, added_at) VALUES (@url, @rootKid, @name, @now) RETURNING id",
            new { url, rootKid, name, now = s.Now });

    public IReadOnlyList<PeerRow> List() => s.Query<PeerRow>("SELECT * FROM peers ORDER BY id");

    public PeerRow? Get(long id) => s.QuerySingleOrDefault<PeerRow>("SELECT * FROM peers WHERE id = @id", new { id });

    public PeerRow? Find(string urlOrId) =>
        long.TryParse(urlOrId, out var id)
            ? Get(id)
            : s.QuerySingleOrDefault<PeerRow>("SELECT * FROM peers WHERE url = @u OR node_id = @u", new { u = urlOrId });

    /// <summary>Removes a peer; its listings leave the state and search (the outbox deletes their documents).</summary>
    public void Remove(PeerRow peer)
    {
        if (peer.NodeId is { } node)
        {
            s.Outbox.EnqueueNode(node);
            s.Listings.RemoveNode(node);
            s.Keysets.RemoveNode(node);
        }
        s.Staging.Clear(peer.Id);
        s.Execute("DELETE FROM peers WHERE id = @id", new { id = peer.Id });
    }

    public bool NodeIdTakenByOtherPeer(string nodeId, long peerId) =>
        s.ExecuteScalar<long>("SELECT COUNT(*) FROM peers WHERE node_id = @nodeId AND id != @peerId", new { nodeId, peerId }) > 0;

    /// <summary>Stores a newly trusted keyset and hides what its revocations void (attack 10): rows whose
    /// latest or shown version was signed by a revoked key. <paramref name="chain"/> is every version trusted in this
    /// step, oldest first, ending with the new one (kept for the browser's chain walk).</summary>
    public void SaveKeyset(long peerId, string nodeId, string nodeName, IReadOnlyList<(long Version, string Json)> chain, long exp, IReadOnlyCollection<string> revoked)
    {
        var (version, json) = chain[^1];
        s.Execute(
            "UPDATE peers SET node_id = @nodeId, node_name = @nodeName, keyset_json = @json, keyset_version = @version, keyset_exp = @exp WHERE id = @peerId",
            new { peerId, nodeId, nodeName, json, version, exp });
        s.Keysets.Add(nodeId, chain);
        if (revoked.Count > 0)
        {
            s.Listings.MarkRevoked(nodeId, revoked);
            // A feed position taken from a head signed by a revoked key (perhaps the thief's) says nothing about the
            // node's real feed: read it again from the start at the next change.
            var headJws = s.ExecuteScalar<string?>("SELECT head_jws FROM peers WHERE id = @peerId", new { peerId });
            if (StoredHead.Kid(headJws) is { } headKid && revoked.Contains(headKid))
            {
                s.Execute("UPDATE peers SET cursor = 0 WHERE id = @peerId", new { peerId });
            }
        }
    }

    public void UpdateNodeName(long peerId, string nodeName) =>
        s.Execute("UPDATE peers SET node_name = @nodeName WHERE id = @peerId AND IFNULL(node_name, '') != @nodeName", new { peerId, nodeName });

    /// <summary>Fail closed (attacks 7, 12): a node whose head or keyset went stale loses all its documents
    /// from search until it serves a fresh one. State is kept.</summary>
    public bool Hide(string nodeId, string reason)
    {
        var changed = s.Execute("UPDATE peers SET hidden_reason = @reason WHERE node_id = @nodeId AND hidden_reason IS NULL", new { nodeId, reason });
        if (changed > 0)
        {
            s.Outbox.EnqueueNode(nodeId);
            s.Alerts.Raise(new NewAlert(AlertKinds.NodeHidden, nodeId, null, $"Listings of '{nodeId}' hidden: {reason}."));
        }
        return changed > 0;
    }

    /// <summary>A fresh head verified again: the node's listings come back to search.</summary>
    public void Unhide(string nodeId)
    {
        s.Outbox.EnqueueNode(nodeId);
        s.Alerts.ResolveNode(AlertKinds.NodeHidden, nodeId);
    }

    /// <summary>Records a committed pass: the head it verified, the cursor, and a clean failure count.</summary>
    public void SaveHead(PeerRow p) =>
        s.Execute(
            """
            UPDATE peers SET node_id = @NodeId, node_name = @NodeName, head_jws = @HeadJws, head_feed_seq = @HeadFeedSeq, head_root = @HeadRoot,
                head_iat = @HeadIat, head_exp = @HeadExp, cursor = @Cursor, hidden_reason = @HiddenReason, last_success = @LastSuccess,
                last_attempt = @LastAttempt, last_error = NULL, failures = 0,
                -- 0 = a push arrived during this pass (ScheduleNow): keep it, so the push is served by another pass.
                next_attempt = CASE WHEN next_attempt = 0 THEN 0 ELSE @NextAttempt END
            WHERE id = @Id
            """, p);

    public void RecordFailure(long peerId, string error, long nextAttempt) =>
        s.Execute(
            "UPDATE peers SET last_error = @error, last_attempt = @now, failures = failures + 1, next_attempt = @nextAttempt WHERE id = @peerId",
            new { peerId, error, now = s.Now, nextAttempt });

    /// <summary>Marks a pass as started: the next regular attempt is one poll away unless a push (ScheduleNow) comes.</summary>
    public void ClaimAttempt(long peerId, long nextAttempt) =>
        s.Execute("UPDATE peers SET next_attempt = @nextAttempt WHERE id = @peerId", new { peerId, nextAttempt });

    public void ScheduleNow(long peerId) => s.Execute("UPDATE peers SET next_attempt = 0 WHERE id = @peerId", new { peerId });

    public IReadOnlyList<PeerRow> WithStaleTrust(long now) =>
        s.Query<PeerRow>("SELECT * FROM peers WHERE hidden_reason IS NULL AND node_id IS NOT NULL AND (head_exp <= @now OR keyset_exp <= @now)", new { now });
}
