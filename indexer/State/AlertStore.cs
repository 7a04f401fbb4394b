using System.Security.Cryptography;
using System.Text;
using Atlas.Protocol.Signing;

namespace Atlas.Indexer.State;

/// <summary>The alerts and evidence section: what operators must see, and refused objects exactly as received.
/// An alert on a listing is shown in its search document, so raising or resolving one queues the listing.</summary>
public sealed class AlertStore(StateSession s)
{
    /// <summary>Raises an alert (one open alert per kind, node and listing).</summary>
    public void Raise(NewAlert a)
    {
        s.Execute(
            "INSERT OR IGNORE INTO alerts (kind, node, listing_id, message, since) VALUES (@Kind, @Node, @ListingId, @Message, @now)",
            new { a.Kind, a.Node, a.ListingId, a.Message, now = s.Now });
        if (a.ListingId is not null)
        {
            s.Outbox.Enqueue([a.ListingId]);
        }
    }

    /// <summary>Resolves the open alert of this kind on this listing; true when one was open.</summary>
    public bool Resolve(string kind, string listingId)
    {
        var resolved = s.Execute("UPDATE alerts SET resolved_at = @now WHERE kind = @kind AND listing_id = @listingId AND resolved_at IS NULL",
            new { kind, listingId, now = s.Now }) > 0;
        if (resolved)
        {
            s.Outbox.Enqueue([listingId]);
        }
        return resolved;
    }

    /// <summary>Resolves the open node-wide alert of this kind.</summary>
    public void ResolveNode(string kind, string node) =>
        s.Execute("UPDATE alerts SET resolved_at = @now WHERE kind = @kind AND node = @node AND listing_id IS NULL AND resolved_at IS NULL",
            new { now = s.Now, kind, node });

    /// <summary>Keeps a refused object as evidence (deduplicated by reason and content).</summary>
    public void AddEvidence(Evidence e)
    {
        var rawHash = Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(e.Raw)));
        s.Execute(
            "INSERT OR IGNORE INTO evidence (node, listing_id, seq, reason, message, raw, raw_hash, at) VALUES (@Node, @ListingId, @Seq, @Reason, @Message, @Raw, @rawHash, @now)",
            new { e.Node, e.ListingId, e.Seq, e.Reason, e.Message, e.Raw, rawHash, now = s.Now });
    }

    /// <summary>Records what a refusal leaves: its evidence and its alerts.</summary>
    public void Record(Refusal refusal)
    {
        foreach (var e in refusal.Evidence)
        {
            AddEvidence(e);
        }
        foreach (var a in refusal.Alerts)
        {
            Raise(a);
        }
    }

    public IReadOnlyList<AlertRow> List(bool openOnly = true) =>
        s.Query<AlertRow>($"SELECT * FROM alerts {(openOnly ? "WHERE resolved_at IS NULL" : "")} ORDER BY id");

    public IReadOnlyList<AlertRow> OpenFor(string listingId) =>
        s.Query<AlertRow>("SELECT * FROM alerts WHERE listing_id = @listingId AND resolved_at IS NULL ORDER BY id", new { listingId });

    public IReadOnlyList<(string Reason, string? ListingId, string Raw)> EvidenceOf(string? node) =>
        s.Query<(string, string?, string)>("SELECT reason, listing_id, raw FROM evidence WHERE node IS @node OR @node IS NULL ORDER BY id", new { node });

    public long QuarantinedCount(string node) =>
        s.ExecuteScalar<long>(
            "SELECT (SELECT COUNT(*) FROM evidence WHERE node = @node) + (SELECT COUNT(*) FROM listings WHERE node = @node AND state IN ('quarantined', 'conflict', 'revoked'))",
            new { node });

    public long OpenCount(string node) =>
        s.ExecuteScalar<long>(
            "SELECT COUNT(*) FROM alerts WHERE resolved_at IS NULL AND (node = @node OR listing_id IN (SELECT id FROM listings WHERE node = @node))", new { node });
}
