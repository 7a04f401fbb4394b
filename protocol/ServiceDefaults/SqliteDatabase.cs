using System.Runtime.CompilerServices;
using Dapper;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Atlas.Hosting;

/// <summary>The one SQLite convention of the node and the indexer (docs/reliability.md, "Durability"):
/// WAL journal, <c>synchronous = FULL</c> (a transaction is on disk before its commit returns, so an acknowledged
/// write survives a crash and a power loss), foreign keys on, a busy timeout so that the CLI and the server wait
/// for each other instead of failing, Dapper mapping snake_case columns to PascalCase members, and versioned
/// migrations in <c>PRAGMA user_version</c> (append only: each entry moves the version by one, in its own
/// transaction).</summary>
public sealed class SqliteDatabase
{
    public const int BusyTimeoutMs = 10_000;
    /// <summary>PRAGMA synchronous value of every connection: 2 = FULL.</summary>
    public const long Synchronous = 2;

    /// <summary>The SQLite handles (physical connections) already given <see cref="_pragmas"/>: a pooled connection keeps
    /// its settings between opens, so they are set once per handle, not once per request (opening a pooled connection,
    /// these four statements on every open, took a node's listing fetch from 71,300 to 61,300 req/s, docs/performance.md §13).</summary>
    private static readonly ConditionalWeakTable<sqlite3, object> Configured = new();
    private static readonly object Marker = new();

    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly IReadOnlyList<string> _migrations;

    static SqliteDatabase()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    /// <param name="path">The database file.</param>
    /// <param name="migrations">The schema, one SQL script per version.</param>
    /// <param name="createIfMissing">False: opening a missing file is an error instead of an empty database.</param>
    /// <param name="pragmas">Further per-connection settings of this host (e.g. the node's page cache size).</param>
    public SqliteDatabase(string path, IReadOnlyList<string> migrations, bool createIfMissing, string pragmas = "")
    {
        Path = System.IO.Path.GetFullPath(path);
        _migrations = migrations;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = createIfMissing ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();
        _pragmas = $"PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = {Synchronous}; {pragmas}";
    }

    public string Path { get; }

    public int SchemaVersion => _migrations.Count;

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        var handle = connection.Handle!;
        if (!Configured.TryGetValue(handle, out _))
        {
            connection.Execute(_pragmas);
            Configured.AddOrUpdate(handle, Marker);
        }
        return connection;
    }

    /// <summary>Brings the schema up to date; refuses a database made by a newer release.</summary>
    public void Migrate()
    {
        using var connection = Open();
        connection.Execute("PRAGMA journal_mode = WAL;");
        var version = connection.ExecuteScalar<long>("PRAGMA user_version;");
        if (version > _migrations.Count)
        {
            throw new IOException(
                $"{Path} has schema version {version}, newer than this release knows ({_migrations.Count}); run the newer release or restore a backup.");
        }
        for (var v = (int)version; v < _migrations.Count; v++)
        {
            using var tx = connection.BeginTransaction();
            connection.Execute(_migrations[v], transaction: tx);
            connection.Execute($"PRAGMA user_version = {v + 1};", transaction: tx);
            tx.Commit();
        }
    }
}
