using Dapper;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.Data;

/// <summary>The node's identity, written once by <c>init</c>.</summary>
public sealed record NodeIdentity(string NodeId, string Name, string BaseUrl, string Region)
{
    public static NodeIdentity Load(SqliteConnection conn, SqliteTransaction? tx = null)
    {
        var meta = conn.Query<(string Key, string Value)>("SELECT key, value FROM node_meta", transaction: tx).ToDictionary(r => r.Key, r => r.Value);
        string Get(string k) => meta.TryGetValue(k, out var v) ? v : throw new InvalidOperationException($"The database has no '{k}'; run 'init' first.");
        return new NodeIdentity(Get("node_id"), Get("name"), Get("base_url"), meta.GetValueOrDefault("region", ""));
    }

    public void Save(SqliteConnection conn, SqliteTransaction tx)
    {
        foreach (var (k, v) in new[] { ("node_id", NodeId), ("name", Name), ("base_url", BaseUrl), ("region", Region) })
        {
            conn.Execute("INSERT INTO node_meta (key, value) VALUES (@k, @v) ON CONFLICT (key) DO UPDATE SET value = excluded.value", new { k, v }, tx);
        }
    }
}
