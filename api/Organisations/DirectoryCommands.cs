using System.Text.Json;
using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Atlas.Api.Federation;
using Atlas.Protocol;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.Organisations;

/// <summary>The directory changes shared by the admin API and the CLI. Each runs inside the caller's
/// transaction and writes its audit row there, so an action and its record commit together.</summary>
public static class DirectoryCommands
{
    public static PublishedVersion Create(SqliteConnection conn, SqliteTransaction tx, Publisher publisher, PreparedOrg org, string actor, string? fixedId = null)
    {
        var id = fixedId ?? Identifiers.NewListingId();
        var existing = conn.QuerySingleOrDefault<string>("SELECT status FROM listings WHERE id = @id", new { id }, tx);
        if (existing is not null)
        {
            throw new PublishConflictException(existing == "tombstone"
                ? $"Listing {id} was withdrawn; a withdrawn id is never reused. Import the organisation without an id."
                : $"Listing {id} already exists; edit it instead.");
        }
        var v = publisher.Publish(conn, tx, id, org.Public, Serialize(org.Private with { Id = null }));
        Audit.Write(conn, tx, publisher.Store.Now(), actor, "listing.create", id, $"seq {v.Seq}");
        return v;
    }

    public static PublishedVersion Edit(SqliteConnection conn, SqliteTransaction tx, Publisher publisher, string id, PreparedOrg org, string actor)
    {
        RequireActive(conn, tx, id);
        var v = publisher.Publish(conn, tx, id, org.Public, Serialize(org.Private with { Id = null }));
        Audit.Write(conn, tx, publisher.Store.Now(), actor, "listing.edit", id, $"seq {v.Seq}");
        return v;
    }

    /// <summary>Publishes a tombstone (withdraw, or emergency takedown); pending edits of it are rejected.</summary>
    public static PublishedVersion Withdraw(SqliteConnection conn, SqliteTransaction tx, Publisher publisher, string id, string actor, bool takedown)
    {
        RequireActive(conn, tx, id);
        var v = publisher.Publish(conn, tx, id, null, null);
        conn.Execute("UPDATE submissions SET status = 'rejected', decided_by = @actor, decided_at = @now, reason = 'listing withdrawn' WHERE listing_id = @id AND status = 'pending'",
            new { actor, now = publisher.Store.Now(), id }, tx);
        Audit.Write(conn, tx, publisher.Store.Now(), actor, takedown ? "listing.takedown" : "listing.withdraw", id, $"seq {v.Seq}");
        NodeTelemetry.Takedowns.Add(1, new KeyValuePair<string, object?>("kind", takedown ? "takedown" : "withdraw"));
        return v;
    }

    public static string Serialize(OrgInput org) => JsonSerializer.Serialize(org, ApiJsonContext.Default.OrgInput);

    private static void RequireActive(SqliteConnection conn, SqliteTransaction tx, string id)
    {
        var status = Identifiers.IsListingId(id) ? conn.QuerySingleOrDefault<string>("SELECT status FROM listings WHERE id = @id", new { id }, tx) : null;
        if (status is null)
        {
            throw new ListingNotFoundException($"This node has no listing {id}.");
        }
        if (status == "tombstone")
        {
            throw new PublishConflictException($"Listing {id} was withdrawn; tombstones are final.");
        }
    }
}

public sealed class ListingNotFoundException(string message) : Exception(message);
