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

    /// <summary>Creates the node's keys and keyset version 1. Without <paramref name="offline"/>: one root key in
    /// DATA/keys/. With it: <c>Count</c> root keys written to <c>Dir/root1.key</c> … (to be moved offline, one per
    /// holder), none of them in DATA/keys/, and a threshold; version 1 is signed by every root, so an indexer may pin
    /// any of them. Returns the root kids with their files (null when in DATA/keys/).</summary>
    public static IReadOnlyList<(string Kid, string? File)> Init(NodeStore store, SqliteConnection conn, SqliteTransaction tx, string nodeId, OfflineRoots? offline = null)
    {
        var keys = new KeyStore(store);
        CreatePrivateDirectory(store.KeysDir);
        if (offline is null)
        {
            var root = keys.NewKey(conn, tx, "root", "current");
            keys.NewKey(conn, tx, "signing", "current");
            keys.IssueKeyset(conn, tx, nodeId, [root], threshold: 1);
            return [(root.Kid, null)];
        }
        var roots = WriteRootKeyFiles(offline.Dir, offline.Count, 1);
        foreach (var (key, _) in roots)
        {
            keys.InsertKey(conn, tx, key, "root", "current");
        }
        keys.NewKey(conn, tx, "signing", "current");
        keys.IssueKeyset(conn, tx, nodeId, [.. roots.Select(r => r.Key)], offline.Threshold);
        return [.. roots.Select(r => (r.Key.Kid, (string?)r.File))];
    }

    /// <summary>Generates <paramref name="count"/> root keys into <paramref name="dir"/> as <c>root{n}.key</c>
    /// (PKCS#8 PEM, 0600, never overwriting a file), numbered from <paramref name="first"/>.</summary>
    public static List<(AtlasKey Key, string File)> WriteRootKeyFiles(string dir, int count, int first)
    {
        CreatePrivateDirectory(dir);
        var written = new List<(AtlasKey, string)>();
        for (var i = 0; i < count; i++)
        {
            var key = AtlasKey.Generate();
            var file = Path.GetFullPath(Path.Combine(dir, $"root{first + i}.key"));
            WritePrivateKey(file, key);
            written.Add((key, file));
        }
        return written;
    }

    /// <summary>The payload of the next keyset version for a root change held offline: the current signing keys and
    /// revocations, the current roots minus <paramref name="drop"/> plus <paramref name="add"/>, and the threshold
    /// (unchanged when null). Nothing is stored: the keyset exists once the roots signed it (<see cref="ImportKeyset"/>).</summary>
    public (KeysetPayload Next, KeysetPayload Current) ProposeRootChange(SqliteConnection conn, SqliteTransaction tx, string nodeId, IReadOnlyCollection<string> drop, IReadOnlyList<AtlasKey> add, int? threshold)
    {
        var current = TrustedKeyset.Restore(LatestKeyset(conn, tx).Jws).Payload;
        foreach (var kid in drop)
        {
            if (current.Roots.All(r => r.Kid != kid))
            {
                throw new SigningException($"{kid} is not a root of keyset version {current.Version}.");
            }
        }
        List<KeyEntry> roots = [.. current.Roots.Where(r => !drop.Contains(r.Kid)), .. add.Select(k => k.ToKeyEntry())];
        var t = threshold ?? current.Threshold;
        if (roots.Count is 0 or > 16 || t < 1 || t > roots.Count)
        {
            throw new SigningException($"The new keyset would have {roots.Count} root(s) and threshold {t}; it needs 1–16 roots and 1 ≤ threshold ≤ roots.");
        }
        var now = store.Time.GetUtcNow();
        var rows = conn.Query<KeyRow>("SELECT kid, role, status, x, y FROM node_keys ORDER BY created_at, kid", transaction: tx).ToList();
        var next = new KeysetPayload(nodeId, current.Version + 1, now.ToUnixTimeSeconds(), now.Add(KeysetLifetime).ToUnixTimeSeconds(), t, roots,
            SigningEntries(rows), RevokedKids(rows));
        return (next, current);
    }

    /// <summary>Stores a keyset the roots signed offline (already checked by <see cref="RootCeremony.Assemble"/>) as the
    /// next version, after checking the node's signing keys did not change since the request; roots it drops are
    /// marked dropped (their files in DATA/keys/ deleted), roots it adds are recorded (public halves only).</summary>
    public void ImportKeyset(SqliteConnection conn, SqliteTransaction tx, string jws)
    {
        var payload = TrustedKeyset.Restore(jws).Payload;
        var latest = LatestKeyset(conn, tx).Version;
        if (payload.Version != latest + 1)
        {
            throw new SigningException($"The keyset is version {payload.Version}; the node is at version {latest}: make a new request.");
        }
        var rows = conn.Query<KeyRow>("SELECT kid, role, status, x, y FROM node_keys ORDER BY created_at, kid", transaction: tx).ToList();
        if (!payload.Signing.SequenceEqual(SigningEntries(rows)) || !payload.Revoked.SequenceEqual(RevokedKids(rows)))
        {
            throw new SigningException("The node's signing keys changed since the request was made (a rotation or revocation): make a new request.");
        }
        var keep = payload.Roots.Select(r => r.Kid).ToHashSet(StringComparer.Ordinal);
        foreach (var old in rows.Where(r => r.Role == "root" && r.Status == "current" && !keep.Contains(r.Kid)))
        {
            conn.Execute("UPDATE node_keys SET status = 'dropped' WHERE kid = @Kid", new { old.Kid }, tx);
            File.Delete(Path.Combine(store.KeysDir, old.Kid + ".pem"));
            _loaded.TryRemove(old.Kid, out _);
        }
        foreach (var root in payload.Roots.Where(r => rows.All(row => row.Kid != r.Kid)))
        {
            conn.Execute("INSERT INTO node_keys (kid, role, status, x, y, created_at) VALUES (@Kid, 'root', 'current', @X, @Y, @now)",
                new { root.Kid, root.Jwk.X, root.Jwk.Y, now = store.Now() }, tx);
        }
        conn.Execute("INSERT INTO keysets (version, jws, created_at, exp) VALUES (@Version, @jws, @Iat, @Exp)", new { payload.Version, jws, payload.Iat, payload.Exp }, tx);
    }

    public AtlasKey CurrentSigningKey(SqliteConnection conn, SqliteTransaction? tx = null)
    {
        var kid = conn.QuerySingle<string>("SELECT kid FROM node_keys WHERE role = 'signing' AND status = 'current'", transaction: tx);
        return Load(kid);
    }

    public static void CreatePrivateDirectory(string dir)
    {
        Directory.CreateDirectory(dir);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
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
        IssueKeyset(conn, tx, nodeId, [.. oldRoots, root], threshold: 1);
        foreach (var old in oldRoots)
        {
            File.Delete(Path.Combine(store.KeysDir, old.Kid + ".pem"));
            _loaded.TryRemove(old.Kid, out _);
        }
        return root.Kid;
    }

    /// <summary>Publishes the next keyset version from the current key table, signed by <paramref name="signers"/>, with
    /// <paramref name="threshold"/> (default: the latest version's).</summary>
    public long IssueKeyset(SqliteConnection conn, SqliteTransaction tx, string nodeId, IReadOnlyList<AtlasKey> signers, int? threshold = null)
    {
        var rows = conn.Query<KeyRow>("SELECT kid, role, status, x, y FROM node_keys ORDER BY created_at, kid", transaction: tx).ToList();
        var version = conn.ExecuteScalar<long>("SELECT coalesce(max(version), 0) + 1 FROM keysets", transaction: tx);
        var t = threshold ?? TrustedKeyset.Restore(LatestKeyset(conn, tx).Jws).Payload.Threshold;
        var now = store.Time.GetUtcNow();
        var payload = new KeysetPayload(
            nodeId,
            version,
            now.ToUnixTimeSeconds(),
            now.Add(KeysetLifetime).ToUnixTimeSeconds(),
            Threshold: t,
            Roots: rows.Where(r => r.Role == "root" && r.Status == "current").Select(r => r.Entry(null)).ToList(),
            Signing: SigningEntries(rows),
            Revoked: RevokedKids(rows));
        var jws = SignedObjects.SignKeyset(payload, signers);
        conn.Execute("INSERT INTO keysets (version, jws, created_at, exp) VALUES (@version, @jws, @iat, @exp)",
            new { version, jws, iat = payload.Iat, exp = payload.Exp }, tx);
        NodeTelemetry.SignaturesMade.Add(signers.Count, new KeyValuePair<string, object?>("typ", JwsTypes.Keyset));
        return version;
    }

    /// <summary>Re-issues the keyset with the same keys (the worker does this well before it expires).</summary>
    public long Refresh(SqliteConnection conn, SqliteTransaction tx, string nodeId) => IssueKeyset(conn, tx, nodeId, CurrentRoots(conn, tx));

    private static List<KeyEntry> SigningEntries(List<KeyRow> rows) =>
        rows.Where(r => r.Role == "signing" && r.Status is "current" or "retired").Select(r => r.Entry(r.Status)).ToList();

    private static List<string> RevokedKids(List<KeyRow> rows) => rows.Where(r => r.Status == "revoked").Select(r => r.Kid).ToList();

    /// <summary>The root keys held in DATA/keys/. A node whose roots are held offline (<c>init --roots</c>) cannot
    /// change its keyset here: that takes the signing ceremony.</summary>
    private List<AtlasKey> CurrentRoots(SqliteConnection conn, SqliteTransaction tx)
    {
        var kids = conn.Query<string>("SELECT kid FROM node_keys WHERE role = 'root' AND status = 'current'", transaction: tx).ToList();
        if (kids.Any(k => !File.Exists(Path.Combine(store.KeysDir, k + ".pem"))))
        {
            throw new SigningException($"This node's root keys are held offline ({kids.Count} roots): a new keyset version needs the signing ceremony ('keys rotate-root --request', docs/operations.md).");
        }
        return kids.Select(Load).ToList();
    }

    private AtlasKey NewKey(SqliteConnection conn, SqliteTransaction tx, string role, string status)
    {
        var key = AtlasKey.Generate();
        WritePrivateKey(Path.Combine(store.KeysDir, key.Kid + ".pem"), key);
        InsertKey(conn, tx, key, role, status);
        _loaded[key.Kid] = key;
        return key;
    }

    private void InsertKey(SqliteConnection conn, SqliteTransaction tx, AtlasKey key, string role, string status)
    {
        var jwk = key.ToJwk();
        conn.Execute("INSERT INTO node_keys (kid, role, status, x, y, created_at) VALUES (@Kid, @role, @status, @X, @Y, @now)",
            new { key.Kid, role, status, jwk.X, jwk.Y, now = store.Now() }, tx);
    }

    private static void WritePrivateKey(string path, AtlasKey key)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options))
        {
            writer.Write(key.ExportPrivatePem());
        }
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
