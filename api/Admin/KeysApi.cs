using Atlas.Api.Data;
using Atlas.Api.Federation;
using Atlas.Api.Signing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Atlas.Api.Admin;

public sealed record KeyRotation(string Kid, long KeysetVersion);

/// <summary>The node's signing keys (admins): rotate the signing key under the current root.</summary>
public static class KeysApi
{
    public static IEndpointRouteBuilder MapKeys(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/keys").WithTags("Keys").RequireAdmin();
        group.MapGet("", KeyStatus.Get).WithName("GetKeyStatus")
            .WithSummary("The root key, the newest keyset version and every key with its role and status (public halves only).");
        group.MapPost("/rotate", RotateKeys).WithName("RotateSigningKey")
            .WithSummary("Make a new signing key, publish a keyset version listing it, and re-sign the head with it.");
        return app;
    }

    public static Ok<KeyRotation> RotateKeys(HttpContext http, NodeStore store, KeyStore keys, HeadService head)
    {
        KeyRotation rotation;
        using (var conn = store.Open())
        using (var tx = conn.BeginTransaction())
        {
            var node = NodeIdentity.Load(conn, tx);
            var kid = keys.Rotate(conn, tx, node.NodeId);
            var version = KeyStore.LatestKeyset(conn, tx).Version;
            Audit.Write(conn, tx, store.Now(), AdminApi.Actor(http), "keys.rotate", kid, $"keyset {version}");
            tx.Commit();
            rotation = new KeyRotation(kid, version);
        }
        head.Update();
        return TypedResults.Ok(rotation);
    }
}
