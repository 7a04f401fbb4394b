using System.Collections.Concurrent;
using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.Signing;

/// <summary>The node's keys: private keys are PKCS#8 PEM files (0600) in DATA/keys/, their public halves and
/// status in the node_keys table. Every change of keys publishes a new keyset version signed by the old
/// and the new roots (docs/protocol.md §Keyset).</summary>
public sealed class KeyStore(NodeStore store)
{
    public static readonly TimeSpan KeysetLifetime = TimeSpan.FromDays(365);
    public NodeStore Store => store;

    private readonly ConcurrentDictionary<string, AtlasKey> _loaded = new(StringComparer.Ordinal);

    private sealed record KeyRow(string Kid, string Role, string Status, string X, string Y)
    {
        public KeyEntry Entry(string? status) => new(Kid, new Jwk("EC", "P-256", X, Y), status);
    }

    public static void Init(NodeStore store, SqliteConnection conn, SqliteTransaction tx, string nodeId)
    {
        var keys = new KeyStore(store);
        Directory.CreateDirectory(store.KeysDir);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(store.KeysDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var root = keys.NewKey(conn, tx, "root", "current");
        keys.NewKey(conn, tx, "signing", "current");
        keys.IssueKeyset(conn, tx, nodeId, [root]);
    }

    public AtlasKey CurrentSigningKey(SqliteConnection conn, SqliteTransaction? tx = null)
    {
        var kid = conn.QuerySingle<string>("SELECT kid FROM node_keys WHERE role = 'signing' AND status = 'current'", transaction: tx);
        return Load(kid);
    }

    public string RootKid(SqliteConnection conn) =>
        conn.QueryFirst<string>("SELECT kid FROM node_keys WHERE role = 'root' AND status = 'current' ORDER BY created_at", transaction: null);

    public static (long Version, string Jws, long Exp) LatestKeyset(SqliteConnection conn, SqliteTransaction? tx = null) =>
        conn.QuerySingle<(long, string, long)>("SELECT version, jws, exp FROM keysets ORDER BY version DESC LIMIT 1", transaction: tx);

    /// <summary>New current signing key; the old one is retired (its listings still verify).</summary>
    public string Rotate(SqliteConnection conn, SqliteTransaction tx, string nodeId)
    {
        conn.Execute("UPDATE node_keys SET status = 'retired' WHERE role = 'signing' AND status = 'current'", transaction: tx);
        var key = NewKey(conn, tx, "signing", "current");
        IssueKeyset(conn, tx, nodeId, CurrentRoots(conn, tx));
        return key.Kid;
    }

    /// <summary>Moves a signing key to revoked for ever. If it was the current key, a new one takes over first.
    /// The caller re-signs every latest version the key signed.</summary>
    public void Revoke(SqliteConnection conn, SqliteTransaction tx, string nodeId, string kid)
    {
        var row = conn.QuerySingleOrDefault<KeyRow>("SELECT kid, role, status, x, y FROM node_keys WHERE kid = @kid", new { kid }, tx)
            ?? throw new SigningException($"No key {kid} on this node; 'GET /atlas/v1/keyset' lists the kids.");
        if (row.Role != "signing")
        {
            throw new SigningException($"Key {kid} is a root key; replace it with 'keys rotate-root'.");
        }
        if (row.Status == "revoked")
        {
            throw new SigningException($"Key {kid} is already revoked.");
        }
        if (row.Status == "current")
        {
            conn.Execute("UPDATE node_keys SET status = 'retired' WHERE kid = @kid", new { kid }, tx);
            NewKey(conn, tx, "signing", "current");
        }
        conn.Execute("UPDATE node_keys SET status = 'revoked' WHERE kid = @kid", new { kid }, tx);
        IssueKeyset(conn, tx, nodeId, CurrentRoots(conn, tx));
        // The private half of a compromised key has no further use.
        var file = Path.Combine(store.KeysDir, kid + ".pem");
        if (File.Exists(file))
        {
            File.Delete(file);
        }
        _loaded.TryRemove(kid, out _);
    }

    /// <summary>Replaces the root key(s): the next keyset is signed by the old roots (authorising the change)
    /// and the new root (its own threshold); then the old roots are dropped.</summary>
    public string RotateRoot(SqliteConnection conn, SqliteTransaction tx, string nodeId)
    {
        var oldRoots = CurrentRoots(conn, tx);
        conn.Execute("UPDATE node_keys SET status = 'dropped' WHERE role = 'root' AND status = 'current'", transaction: tx);
        var root = NewKey(conn, tx, "root", "current");
        IssueKeyset(conn, tx, nodeId, [.. oldRoots, root]);
        foreach (var old in oldRoots)
        {
            File.Delete(Path.Combine(store.KeysDir, old.Kid + ".pem"));
            _loaded.TryRemove(old.Kid, out _);
        }
        return root.Kid;
    }

    /// <summary>Publishes the next keyset version from the current key table, signed by <paramref name="signers"/>.</summary>
    public long IssueKeyset(SqliteConnection conn, SqliteTransaction tx, string nodeId, IReadOnlyList<AtlasKey> signers)
    {
        var rows = conn.Query<KeyRow>("SELECT kid, role, status, x, y FROM node_keys ORDER BY created_at, kid", transaction: tx).ToList();
        var version = conn.ExecuteScalar<long>("SELECT coalesce(max(version), 0) + 1 FROM keysets", transaction: tx);
        var now = store.Time.GetUtcNow();
        var payload = new KeysetPayload(
            nodeId,
            version,
            now.ToUnixTimeSeconds(),
            now.Add(KeysetLifetime).ToUnixTimeSeconds(),
            Threshold: 1,
            Roots: rows.Where(r => r.Role == "root" && r.Status == "current").Select(r => r.Entry(null)).ToList(),
            Signing: rows.Where(r => r.Role == "signing" && r.Status is "current" or "retired").Select(r => r.Entry(r.Status)).ToList(),
            Revoked: rows.Where(r => r.Status == "revoked").Select(r => r.Kid).ToList());
        var jws = SignedObjects.SignKeyset(payload, signers);
        conn.Execute("INSERT INTO keysets (version, jws, created_at, exp) VALUES (@version, @jws, @iat, @exp)",
            new { version, jws, iat = payload.Iat, exp = payload.Exp }, tx);
        NodeTelemetry.SignaturesMade.Add(signers.Count, new KeyValuePair<string, object?>("typ", JwsTypes.Keyset));
        return version;
    }

    /// <summary>Re-issues the keyset with the same keys (the worker does this well before it expires).</summary>
    public long Refresh(SqliteConnection conn, SqliteTransaction tx, string nodeId) => IssueKeyset(conn, tx, nodeId, CurrentRoots(conn, tx));

    private List<AtlasKey> CurrentRoots(SqliteConnection conn, SqliteTransaction tx) =>
        conn.Query<string>("SELECT kid FROM node_keys WHERE role = 'root' AND status = 'current'", transaction: tx).Select(Load).ToList();

    private AtlasKey NewKey(SqliteConnection conn, SqliteTransaction tx, string role, string status)
    {
        var key = AtlasKey.Generate();
        var path = Path.Combine(store.KeysDir, key.Kid + ".pem");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options))
        {
            writer.Write(key.ExportPrivatePem());
        }
        var jwk = key.ToJwk();
        conn.Execute("INSERT INTO node_keys (kid, role, status, x, y, created_at) VALUES (@Kid, @role, @status, @X, @Y, @now)",
            new { key.Kid, role, status, jwk.X, jwk.Y, now = store.Now() }, tx);
        _loaded[key.Kid] = key;
        return key;
    }

    private AtlasKey Load(string kid) => _loaded.GetOrAdd(kid, k =>
    {
        var path = Path.Combine(store.KeysDir, k + ".pem");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Private key file {path} is missing; restore DATA/keys from your key backup.");
        }
        var key = AtlasKey.FromPrivatePem(File.ReadAllText(path));
        return key.Kid == k ? key : throw new InvalidOperationException($"Key file {path} does not hold key {k}.");
    });
}
