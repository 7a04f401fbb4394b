using System.Diagnostics;
using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Atlas.Protocol;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Atlas.Api.Signing;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.Federation;

public sealed record PublishedVersion(string Id, long Seq, long FeedSeq, string Hash, string Kid, string Status, string Jws);

/// <summary>Thrown when a publish would break a protocol rule (e.g. editing a tombstoned listing).</summary>
public sealed class PublishConflictException(string message) : Exception(message);

/// <summary>The only code that signs listings. Runs inside the caller's transaction so the version row, the
/// listing row and whatever caused them (approval, audit) commit together or not at all.</summary>
public sealed class Publisher(KeyStore keys)
{
    public NodeStore Store => keys.Store;

    public PublishedVersion Publish(SqliteConnection conn, SqliteTransaction tx, string id, Organisation? org, string? privateJson, bool allowAfterTombstone = false)
    {
        using var activity = NodeTelemetry.Source.StartActivity("atlas.publish");
        var identity = NodeIdentity.Load(conn, tx);
        var row = conn.QuerySingleOrDefault<(long Seq, string Hash, string Status)>(
            "SELECT seq, hash, status FROM listings WHERE id = @id", new { id }, tx);
        (long Seq, string Hash, string Status)? current = row.Hash is null ? null : row;
        if (current is { Status: ListingStatus.Tombstone } && !allowAfterTombstone)
        {
            throw new PublishConflictException($"Listing {id} was withdrawn; tombstones are final. Submit the organisation as a new listing.");
        }
        var status = org is null ? ListingStatus.Tombstone : ListingStatus.Active;
        var seq = (current?.Seq ?? 0) + 1;
        var feedSeq = conn.ExecuteScalar<long>("SELECT coalesce(max(feed_seq), 0) + 1 FROM listing_versions", transaction: tx);
        var payload = new ListingPayload(identity.NodeId, id, seq, current?.Hash, keys.Store.Now(), status, org);
        // Never sign what a verifier would refuse.
        ListingRules.Check(payload);
        var key = keys.CurrentSigningKey(conn, tx);
        var jws = SignedObjects.SignListing(payload, key);
        NodeTelemetry.SignaturesMade.Add(1, new KeyValuePair<string, object?>("typ", JwsTypes.Listing));
        var hash = SignedObjects.HashOf(jws);
        var now = payload.Iat;
        conn.Execute("""
            INSERT INTO listings (id, seq, feed_seq, hash, kid, status, private_json, updated_at)
            VALUES (@id, @seq, @feedSeq, @hash, @kid, @status, @privateJson, @now)
            ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, feed_seq = excluded.feed_seq, hash = excluded.hash,
                kid = excluded.kid, status = excluded.status, private_json = excluded.private_json, updated_at = excluded.updated_at
            """, new { id, seq, feedSeq, hash, kid = key.Kid, status, privateJson = org is null ? null : privateJson, now }, tx);
        conn.Execute("""
            INSERT INTO listing_versions (id, seq, feed_seq, hash, jws, kid, created_at)
            VALUES (@id, @seq, @feedSeq, @hash, @jws, @kid, @now)
            """, new { id, seq, feedSeq, hash, jws, kid = key.Kid, now }, tx);
        activity?.SetTag("atlas.listing.id", id);
        activity?.SetTag("atlas.listing.seq", seq);
        return new PublishedVersion(id, seq, feedSeq, hash, key.Kid, status, jws);
    }

    /// <summary>After a revocation: every latest version signed by <paramref name="kid"/> is published again
    /// as a new version (seq+1, prev = old hash, same organisation or tombstone) under the current key.</summary>
    public List<PublishedVersion> ResignAll(SqliteConnection conn, SqliteTransaction tx, string kid)
    {
        var rows = conn.Query<(string Id, string Jws, string? PrivateJson)>("""
            SELECT l.id, v.jws, l.private_json FROM listings l JOIN listing_versions v ON v.id = l.id AND v.seq = l.seq
            WHERE l.kid = @kid ORDER BY l.feed_seq
            """, new { kid }, tx).ToList();
        var result = new List<PublishedVersion>();
        foreach (var (id, jws, privateJson) in rows)
        {
            var payload = ReadOwnPayload(jws);
            result.Add(Publish(conn, tx, id, payload.Org, privateJson, allowAfterTombstone: true));
        }
        return result;
    }

    /// <summary>Reads the payload of a version this node signed and stored itself (no signature check:
    /// it never came from outside).</summary>
    public static ListingPayload ReadOwnPayload(string jws)
    {
        var part = Jws.ParseCompact(jws, JwsTypes.Listing, ProtocolLimits.MaxListingBytes);
        return StrictJson.Parse(part.Payload, ProtocolJsonContext.Default.ListingPayload, ProtocolLimits.MaxListingBytes);
    }
}
