namespace Atlas.Indexer.State;

/// <summary>Where a listing stands. Every state except <c>conflict</c> can own an id; only <c>live</c> is shown.</summary>
public static class ListingState
{
    public const string Live = "live";
    public const string Tombstone = "tombstone";
    /// <summary>Verified and named by the head, but held out of search (e.g. over the per-day cap).</summary>
    public const string Quarantined = "quarantined";
    /// <summary>The id is owned by another node; kept only so this node's head root still adds up.</summary>
    public const string Conflict = "conflict";
    /// <summary>Signed by a key the node's keyset has since revoked; hidden until re-signed.</summary>
    public const string Revoked = "revoked";
}

public static class AlertKinds
{
    public const string ContactChanged = "contact_changed";
    public const string ConfusableName = "confusable_name";
    public const string Equivocation = "equivocation";
    public const string NewNodeBurst = "new_node_burst";
    public const string RootMismatch = "root_mismatch";
    public const string SplitView = "split_view";
    public const string IdConflict = "id_conflict";
    public const string Rollback = "rollback";
    public const string NodeHidden = "node_hidden";
    /// <summary>A keyset lists a key that another peer's node signs with (key squatting).</summary>
    public const string KeyConflict = "key_conflict";
    /// <summary>An active version of a withdrawn listing was served (and refused).</summary>
    public const string RevivedTombstone = "revived_tombstone";
    /// <summary>The same keyset version served with two different payloads.</summary>
    public const string KeysetSplitView = "keyset_split_view";
    /// <summary>A version whose prev is not the hash of the version held: two histories of one listing.</summary>
    public const string Fork = "fork";
}

public sealed class PeerRow
{
    public long Id { get; set; }
    public string Url { get; set; } = "";
    public string RootKid { get; set; } = "";
    public string? Name { get; set; }
    public string? NodeId { get; set; }
    public string? NodeName { get; set; }
    public string? KeysetJson { get; set; }
    public long? KeysetVersion { get; set; }
    public long? KeysetExp { get; set; }
    public string? HeadJws { get; set; }
    public long? HeadFeedSeq { get; set; }
    public string? HeadRoot { get; set; }
    public long? HeadIat { get; set; }
    public long? HeadExp { get; set; }
    public long Cursor { get; set; }
    public string? HiddenReason { get; set; }
    public long? LastSuccess { get; set; }
    public long? LastAttempt { get; set; }
    public string? LastError { get; set; }
    public long Failures { get; set; }
    public long NextAttempt { get; set; }
    public long AddedAt { get; set; }

    public string Label => NodeId ?? Name ?? Url;
}

public sealed class ListingRow
{
    public string Node { get; set; } = "";
    public string Id { get; set; } = "";
    public long Seq { get; set; }
    public string Hash { get; set; } = "";
    public string Jws { get; set; } = "";
    public string Kid { get; set; } = "";
    /// <summary>The payload's status: active or tombstone.</summary>
    public string Status { get; set; } = "";
    public string State { get; set; } = "";
    public string? Reason { get; set; }
    public string? ReviewBy { get; set; }
    public long FirstSeen { get; set; }
    /// <summary>1 when first seen in the peer's initial import (not counted against the per-day cap).</summary>
    public long Initial { get; set; }
    public long VerifiedAt { get; set; }
    /// <summary>The version kept in search while a contact change is held back (null: show <see cref="Jws"/>).</summary>
    public string? ShownJws { get; set; }
    public string? ShownKid { get; set; }
    public long? HeldUntil { get; set; }
    public long TouchedAt { get; set; }

    public ListingRow Clone() => (ListingRow)MemberwiseClone();
}

public sealed class AlertRow
{
    public long Id { get; set; }
    public string Kind { get; set; } = "";
    public string? Node { get; set; }
    public string? ListingId { get; set; }
    public string Message { get; set; } = "";
    public long Since { get; set; }
    public long? ResolvedAt { get; set; }
}

public sealed record NewAlert(string Kind, string? Node, string? ListingId, string Message);

public sealed record Evidence(string? Node, string? ListingId, long? Seq, string Reason, string Message, string Raw);

public sealed class SearchSource
{
    public ListingRow Row { get; set; } = new();
    public string NodeName { get; set; } = "";
    public string? HiddenReason { get; set; }
}
