using Atlas.Hosting;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.Data;

/// <summary>The node's SQLite database (DATA/atlas.db) on the shared convention of <see cref="SqliteDatabase"/>
/// (WAL, synchronous FULL, busy timeout, foreign keys, migrations in PRAGMA user_version). Every write goes
/// through one transaction, so the database is never half-written: a crash leaves either the old or the new
/// state, and a committed (acknowledged) write is on disk.</summary>
public sealed class NodeStore
{
    public const string FileName = "atlas.db";

    /// <summary>Each pooled connection keeps its own page cache (SQLite's default: 2 MB). Under many concurrent readers
    /// that is most of a small node's memory (docs/performance.md §1); the OS page cache holds the file anyway.</summary>
    private const string PageCache = "PRAGMA cache_size = -256;";

    private readonly SqliteDatabase _db;
    private readonly SqliteDatabase _create;

    /// <param name="time">The node's clock (<see cref="NodeClock"/>); the system clock when not given (the CLI).</param>
    public NodeStore(string dataDir, TimeProvider? time = null)
    {
        DataDir = Path.GetFullPath(dataDir);
        Time = time ?? TimeProvider.System;
        _db = new SqliteDatabase(DbPath, Migrations.All, createIfMissing: false, PageCache);
        _create = new SqliteDatabase(DbPath, Migrations.All, createIfMissing: true, PageCache);
    }

    public string DataDir { get; }

    /// <summary>The one clock of the node: every timestamp it signs or stores is read from it.</summary>
    public TimeProvider Time { get; }
    public string DbPath => Path.Combine(DataDir, FileName);
    public string KeysDir => Path.Combine(DataDir, "keys");
    public bool Exists => File.Exists(DbPath);

    public SqliteDatabase Database => _db;

    public SqliteConnection Open() => _db.Open();

    /// <summary>Creates the database file (init only) and brings the schema up to date.</summary>
    public void CreateOrMigrate()
    {
        Directory.CreateDirectory(DataDir);
        _create.Migrate();
    }

    /// <summary>Brings the schema of an existing database up to date (every CLI command and <c>serve</c>).</summary>
    public void Migrate() => _db.Migrate();

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

    public long Now() => Time.GetUtcNow().ToUnixTimeSeconds();

    public DateOnly Today() => DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);
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
        """
        -- Submissions may be withdrawn by their submitter (status 'withdrawn', email and note cleared), and ids are
        -- never reused (AUTOINCREMENT): a receipt or an audit entry always names the same submission.
        CREATE TABLE submissions_v2 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            listing_id TEXT,
            org_json TEXT NOT NULL,
            submitter_email TEXT,
            note TEXT,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
            created_at INTEGER NOT NULL,
            decided_by TEXT,
            decided_at INTEGER,
            reason TEXT,
            published_id TEXT) STRICT;
        INSERT INTO submissions_v2 SELECT * FROM submissions;
        DROP TABLE submissions;
        ALTER TABLE submissions_v2 RENAME TO submissions;

        -- The submitter's receipt: SHA-256 of the capability token (the token itself is never stored).
        CREATE TABLE submission_receipts (
            hash TEXT PRIMARY KEY,
            submission_id INTEGER NOT NULL UNIQUE REFERENCES submissions(id),
            created_at INTEGER NOT NULL) STRICT;

        -- Spent proof-of-work challenges (single use), kept until the challenge expires.
        CREATE TABLE pow_spent (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) STRICT;
        CREATE INDEX ix_pow_spent_expires ON pow_spent (expires_at);
        """,
        // 4: the moderation queue lists submissions by status.
        """
        CREATE INDEX ix_submissions_status ON submissions (status, id);
        """,
    ];
}
