using Dapper;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.Data;

public static class Audit
{
    /// <summary>Records who did what. Never pass secrets (tokens, submitter emails) as detail.</summary>
    public static void Write(SqliteConnection conn, SqliteTransaction tx, long at, string actor, string action, string? target, string? detail = null) =>
        conn.Execute("INSERT INTO audit (at, actor, action, target, detail) VALUES (@at, @actor, @action, @target, @detail)",
            new { at, actor, action, target, detail }, tx);
}
