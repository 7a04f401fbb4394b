using Dapper;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.Data;

/// <summary>The node's SQLite database (DATA/atlas.db): WAL, busy timeout, foreign keys, versioned
/// migrations in PRAGMA user_version. Every write goes through one transaction, so the database is never
/// half-written: a crash leaves either the old or the new state.</summary>
public sealed class NodeStore(string dataDir)
{
    public const string FileName = "atlas.db";

    public string DataDir { get; } = Path.GetFullPath(dataDir);
    public string DbPath => Path.Combine(DataDir, FileName);
    public string KeysDir => Path.Combine(DataDir, "keys");
    public bool Exists => File.Exists(DbPath);

    private string ConnectionString => new SqliteConnectionStringBuilder
    {
        DataSource = DbPath,
        ForeignKeys = true,
        DefaultTimeout = 30,
        Mode = SqliteOpenMode.ReadWrite,
    }.ToString();

    public SqliteConnection Open()
    {
        var conn = new SqliteConnection(ConnectionString);
        conn.Open();
        // Writers from the CLI and the server wait for each other instead of failing.
        conn.Execute("PRAGMA busy_timeout = 10000;");
        // Each pooled connection keeps its own page cache (SQLite's default: 2 MB). Under many concurrent readers
        // that is most of a small node's memory (docs/performance.md §1); the OS page cache holds the file anyway.
        conn.Execute("PRAGMA cache_size = -256;");
        return conn;
    }

    /// <summary>Creates the database file (init only) and brings the schema up to date.</summary>
    public void CreateOrMigrate()
    {
        Directory.CreateDirectory(DataDir);
        using (var create = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Mode = SqliteOpenMode.ReadWriteCreate }.ToString()))
        {
            create.Open();
            create.Execute("PRAGMA journal_mode = WAL;");
        }
        Migrate();
    }

    public void Migrate()
    {
        using var conn = Open();
        var version = conn.ExecuteScalar<long>("PRAGMA user_version;");
        for (var v = (int)version; v < Migrations.All.Length; v++)
        {
            using var tx = conn.BeginTransaction();
            conn.Execute(Migrations.All[v], transaction: tx);
            conn.Execute($"PRAGMA user_version = {v + 1};", transaction: tx);
            tx.Commit();
        }
    }

    /// <summary>Online backup through SQLite's backup API: consistent even while the node serves and writes.</summary>
    public void Backup(string destination)
    {
        var full = Path.GetFullPath(destination);
        if (File.Exists(full))
        {
            throw new IOException($"{full} exists; choose a new file name for the backup.");
        }
        using var source = Open();
        using var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        target.Open();
        source.BackupDatabase(target);
        target.Execute("PRAGMA journal_mode = DELETE;"); // a single self-contained file
    }

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}

internal static class Migrations
{
    // Append only: each entry moves user_version by one. Never edit a shipped migration.
    public static readonly string[] All =
    [
        """
        CREATE TABLE node_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

        CREATE TABLE node_keys (
            kid TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('root', 'signing')),
            status TEXT NOT NULL CHECK (status IN ('current', 'retired', 'revoked', 'dropped')),
            x TEXT NOT NULL,
            y TEXT NOT NULL,
            created_at INTEGER NOT NULL) STRICT;

        CREATE TABLE keysets (version INTEGER PRIMARY KEY, jws TEXT NOT NULL, created_at INTEGER NOT NULL, exp INTEGER NOT NULL) STRICT;

        -- One row per listing: its latest version and the private record (hidden/vetted contacts stay here).
        CREATE TABLE listings (
            id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL,
            feed_seq INTEGER NOT NULL,
            hash TEXT NOT NULL,
            kid TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('active', 'tombstone')),
            private_json TEXT,
            updated_at INTEGER NOT NULL) STRICT;

        -- Every version ever published, kept forever (tombstones included).
        CREATE TABLE listing_versions (
            id TEXT NOT NULL REFERENCES listings(id),
            seq INTEGER NOT NULL,
            feed_seq INTEGER NOT NULL UNIQUE,
            hash TEXT NOT NULL,
            jws TEXT NOT NULL,
            kid TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (id, seq)) STRICT;
        CREATE INDEX ix_listing_versions_id_feed ON listing_versions (id, feed_seq);

        CREATE TABLE submissions (
            id INTEGER PRIMARY KEY,
            listing_id TEXT,
            org_json TEXT NOT NULL,
            submitter_email TEXT,
            note TEXT,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
            created_at INTEGER NOT NULL,
            decided_by TEXT,
            decided_at INTEGER,
            reason TEXT,
            published_id TEXT) STRICT;

        CREATE TABLE tokens (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'editor')),
            hash TEXT NOT NULL UNIQUE,
            created_at INTEGER NOT NULL,
            revoked_at INTEGER) STRICT;

        CREATE TABLE audit (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT, detail TEXT) STRICT;
        """,
        """
        -- The console: people who sign in with passkeys (editors and admins), their passkeys, one-time enrolment
        -- links and server-side sessions. Secrets (enrolment tokens, session ids) are stored as SHA-256 only.
        CREATE TABLE console_users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('admin', 'editor')),
            handle BLOB NOT NULL UNIQUE,
            created_by TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            revoked_at INTEGER) STRICT;

        CREATE TABLE passkeys (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES console_users(id),
            credential_id BLOB NOT NULL UNIQUE,
            public_key BLOB NOT NULL,
            sign_count INTEGER NOT NULL,
            label TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            last_used_at INTEGER) STRICT;

        CREATE TABLE enrolments (
            id INTEGER PRIMARY KEY,
            hash TEXT NOT NULL UNIQUE,
            user_id INTEGER NOT NULL REFERENCES console_users(id),
            created_by TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            used_at INTEGER) STRICT;

        CREATE TABLE console_sessions (
            hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES console_users(id),
            passkey_id INTEGER REFERENCES passkeys(id),
            csrf TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            last_seen_at INTEGER NOT NULL) STRICT;
        CREATE INDEX ix_console_sessions_user ON console_sessions (user_id);
        """,
    ];
}
