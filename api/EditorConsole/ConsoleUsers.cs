using System.Security.Cryptography;
using Atlas.Api.Admin;
using Atlas.Api.Data;
using Atlas.Api.Federation;
using Atlas.Protocol.Signing;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.EditorConsole;

public sealed record ConsoleUser(long Id, string Name, string Role, byte[] Handle, long? RevokedAt);

public sealed record PasskeyView(long Id, string Label, long CreatedAt, long? LastUsedAt);

public sealed record EditorView(long Id, string Name, string Role, long CreatedAt, string CreatedBy, long? RevokedAt, List<PasskeyView> Passkeys, long PendingEnrolments);

public sealed record EnrolmentLink(long UserId, string Name, string Role, string Link, long ExpiresAt);

/// <summary>The people of the console and their one-time enrolment links (32 random bytes shown once, stored as
/// SHA-256, single use, with an expiry).</summary>
public static class ConsoleUsers
{
    public const string EnrolmentPrefix = "atlas_enrol_";

    public static ConsoleUser? ByName(SqliteConnection conn, SqliteTransaction? tx, string name) =>
        conn.QuerySingleOrDefault<ConsoleUser>("SELECT id AS Id, name AS Name, role AS Role, handle AS Handle, revoked_at AS RevokedAt FROM console_users WHERE name = @name", new { name }, tx);

    public static ConsoleUser? ById(SqliteConnection conn, SqliteTransaction? tx, long id) =>
        conn.QuerySingleOrDefault<ConsoleUser>("SELECT id AS Id, name AS Name, role AS Role, handle AS Handle, revoked_at AS RevokedAt FROM console_users WHERE id = @id", new { id }, tx);

    /// <summary>The person of that name, created with the role if new. A revoked person stays revoked.</summary>
    public static ConsoleUser FindOrCreate(SqliteConnection conn, SqliteTransaction tx, string name, string role, string actor, long now)
    {
        if (ByName(conn, tx, name) is { } existing)
        {
            return existing;
        }
        var id = conn.ExecuteScalar<long>("INSERT INTO console_users (name, role, handle, created_by, created_at) VALUES (@name, @role, @handle, @actor, @now) RETURNING id",
            new { name, role, handle = RandomNumberGenerator.GetBytes(32), actor, now }, tx);
        return ById(conn, tx, id)!;
    }

    /// <summary>Makes a one-time enrolment link for a person (new or existing, not revoked): the CLI's
    /// <c>enrol</c> command, the console's invite and the admin API's <c>POST /api/admin/editors</c>.</summary>
    public static EnrolmentLink Invite(SqliteConnection conn, SqliteTransaction tx, ConsoleSite site, string name, string role, string actor, long now, TimeSpan lifetime)
    {
        var user = FindOrCreate(conn, tx, name, role, actor, now);
        if (user.RevokedAt is not null)
        {
            throw new PublishConflictException($"'{name}' was revoked; invite the person under another name.");
        }
        if (user.Role != role)
        {
            throw new PublishConflictException($"'{name}' is already an {user.Role}; revoke and invite under another name to change the role.");
        }
        var token = EnrolmentPrefix + Base64Url.Encode(RandomNumberGenerator.GetBytes(32));
        var expires = now + (long)lifetime.TotalSeconds;
        conn.Execute("INSERT INTO enrolments (hash, user_id, created_by, created_at, expires_at) VALUES (@hash, @uid, @actor, @now, @expires)",
            new { hash = Tokens.Hash(token), uid = user.Id, actor, now, expires }, tx);
        Audit.Write(conn, tx, now, actor, "editor.invite", user.Id.ToString(), $"{role} '{name}'");
        return new EnrolmentLink(user.Id, name, role, site.EnrolmentUrl(token), expires);
    }

    /// <summary>The unused, unexpired enrolment with this token, or null.</summary>
    public static (long EnrolmentId, ConsoleUser User)? OpenEnrolment(SqliteConnection conn, string token, long now)
    {
        var row = conn.QuerySingleOrDefault<(long Id, long UserId)?>(
            "SELECT id, user_id FROM enrolments WHERE hash = @hash AND used_at IS NULL AND expires_at > @now", new { hash = Tokens.Hash(token), now });
        return row is { } r && ById(conn, null, r.UserId) is { RevokedAt: null } user ? (r.Id, user) : null;
    }

    public static List<EditorView> List(SqliteConnection conn, long now)
    {
        var users = conn.Query<(long Id, string Name, string Role, long CreatedAt, string CreatedBy, long? RevokedAt)>(
            "SELECT id, name, role, created_at, created_by, revoked_at FROM console_users ORDER BY name").ToList();
        var keys = conn.Query<(long UserId, long Id, string Label, long CreatedAt, long? LastUsedAt)>(
            "SELECT user_id, id, label, created_at, last_used_at FROM passkeys ORDER BY id").ToLookup(k => k.UserId);
        var pending = conn.Query<(long UserId, long Count)>("SELECT user_id, count(*) FROM enrolments WHERE used_at IS NULL AND expires_at > @now GROUP BY user_id", new { now })
            .ToDictionary(p => p.UserId, p => p.Count);
        return users.Select(u => new EditorView(u.Id, u.Name, u.Role, u.CreatedAt, u.CreatedBy, u.RevokedAt,
            keys[u.Id].Select(k => new PasskeyView(k.Id, k.Label, k.CreatedAt, k.LastUsedAt)).ToList(), pending.GetValueOrDefault(u.Id))).ToList();
    }

    /// <summary>Revokes a person: their sessions end at once, their passkeys and open enrolment links stop working.</summary>
    public static bool Revoke(SqliteConnection conn, SqliteTransaction tx, long id, string actor, long now)
    {
        if (conn.Execute("UPDATE console_users SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL", new { id, now }, tx) != 1)
        {
            return false;
        }
        conn.Execute("DELETE FROM console_sessions WHERE user_id = @id", new { id }, tx);
        conn.Execute("UPDATE enrolments SET used_at = @now WHERE user_id = @id AND used_at IS NULL", new { id, now }, tx);
        Audit.Write(conn, tx, now, actor, "editor.revoke", id.ToString());
        return true;
    }
}
