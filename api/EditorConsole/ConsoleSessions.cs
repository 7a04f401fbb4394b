using System.Security.Cryptography;
using Atlas.Api.Admin;
using Atlas.Protocol.Signing;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.EditorConsole;

/// <summary>The signed-in person as the console sees them.</summary>
public sealed record ConsoleMe(string Name, string Role, string Csrf, string Node);

/// <summary>Server-side console sessions. The cookie holds 32 random bytes; the node stores only their SHA-256,
/// with a synchronizer CSRF token (sent back in a header on every state-changing request), the creation time
/// and the last use. A session ends when idle too long, when too old, on sign-out, or when its person is revoked.</summary>
public static class ConsoleSessions
{
    public sealed record SessionRow(string Hash, long UserId, string Name, string Role, string Csrf, long CreatedAt, long LastSeenAt);

    public static (string Id, string Csrf) Create(SqliteConnection conn, SqliteTransaction tx, long userId, long? passkeyId, long now)
    {
        var id = Base64Url.Encode(RandomNumberGenerator.GetBytes(32));
        var csrf = Base64Url.Encode(RandomNumberGenerator.GetBytes(32));
        conn.Execute("INSERT INTO console_sessions (hash, user_id, passkey_id, csrf, created_at, last_seen_at) VALUES (@hash, @userId, @passkeyId, @csrf, @now, @now)",
            new { hash = Tokens.Hash(id), userId, passkeyId, csrf, now }, tx);
        return (id, csrf);
    }

    public static SessionRow? Find(SqliteConnection conn, string id) =>
        conn.QuerySingleOrDefault<SessionRow>("""
            SELECT s.hash AS Hash, u.id AS UserId, u.name AS Name, u.role AS Role, s.csrf AS Csrf, s.created_at AS CreatedAt, s.last_seen_at AS LastSeenAt
            FROM console_sessions s JOIN console_users u ON u.id = s.user_id
            WHERE s.hash = @hash AND u.revoked_at IS NULL
            """, new { hash = Tokens.Hash(id) });

    /// <summary>Pure: is a session with these times still alive at <paramref name="now"/>?</summary>
    public static bool IsAlive(long createdAt, long lastSeenAt, long now, ConsoleOptions options) =>
        now - lastSeenAt < options.IdleMinutes * 60L && now - createdAt < options.SessionHours * 3600L && now >= createdAt;

    public static void Touch(SqliteConnection conn, string hash, long now) =>
        conn.Execute("UPDATE console_sessions SET last_seen_at = @now WHERE hash = @hash", new { hash, now });

    public static int Delete(SqliteConnection conn, string hash) =>
        conn.Execute("DELETE FROM console_sessions WHERE hash = @hash", new { hash });

    /// <summary>Sessions past either limit; run by the housekeeping worker.</summary>
    public static int DeleteExpired(SqliteConnection conn, long now, ConsoleOptions options) =>
        conn.Execute("DELETE FROM console_sessions WHERE last_seen_at <= @idle OR created_at <= @old",
            new { idle = now - options.IdleMinutes * 60L, old = now - options.SessionHours * 3600L });

    public static void SetCookie(HttpResponse response, ConsoleSite site, string id, ConsoleOptions options) =>
        response.Cookies.Append(site.CookieName, id, new CookieOptions
        {
            HttpOnly = true,
            Secure = site.Secure,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            MaxAge = TimeSpan.FromHours(options.SessionHours),
            IsEssential = true,
        });

    public static void ClearCookie(HttpResponse response, ConsoleSite site) =>
        response.Cookies.Delete(site.CookieName, new CookieOptions { HttpOnly = true, Secure = site.Secure, SameSite = SameSiteMode.Strict, Path = "/" });
}
