using Atlas.Api.Data;
using Atlas.Api.Signing;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Atlas.Api.Admin;

public sealed record KeyView(string Kid, string Role, string Status, long CreatedAt);

public sealed record KeyStatusView(string RootKid, long KeysetVersion, long KeysetExpires, List<KeyView> Keys);

/// <summary>The node's keys as an admin sees them (public halves only; rotation stays on the CLI and
/// <c>POST /api/admin/keys/rotate</c>).</summary>
public static class KeyStatus
{
    public static Ok<KeyStatusView> Get(NodeStore store, KeyStore keys)
    {
        using var conn = store.Open();
        var keyset = KeyStore.LatestKeyset(conn);
        var list = conn.Query<KeyView>("SELECT kid AS Kid, role AS Role, status AS Status, created_at AS CreatedAt FROM node_keys ORDER BY created_at, kid").ToList();
        return TypedResults.Ok(new KeyStatusView(keys.RootKid(conn), keyset.Version, keyset.Exp, list));
    }
}
