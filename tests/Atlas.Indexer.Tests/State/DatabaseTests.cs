using Atlas.Hosting;
using Atlas.Indexer.State;
using Dapper;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Tests.State;

/// <summary>The indexer's state database on the shared SQLite convention (docs/reliability.md, "Durability").</summary>
public sealed class DatabaseTests : IDisposable
{
    private readonly TempDirectory _dir = new("atlas-idx-db");

    private static Database At(string path) => new(Options.Create(new IndexerOptions { Database = path }));

    [Fact]
    public void Every_connection_is_wal_with_synchronous_full_foreign_keys_and_a_busy_timeout()
    {
        var db = At(_dir.Combine("state.db"));
        db.Migrate();
        using var conn = db.Open();
        Assert.Equal("wal", conn.ExecuteScalar<string>("PRAGMA journal_mode;"));
        Assert.Equal(2L, conn.ExecuteScalar<long>("PRAGMA synchronous;")); // FULL, as docs/reliability.md says
        Assert.Equal(1L, conn.ExecuteScalar<long>("PRAGMA foreign_keys;"));
        Assert.Equal((long)SqliteDatabase.BusyTimeoutMs, conn.ExecuteScalar<long>("PRAGMA busy_timeout;"));
    }

    [Fact]
    public void A_database_of_the_previous_release_is_upgraded_in_place_and_keeps_its_rows()
    {
        var oldPath = _dir.Combine("old.db");
        PreviousRelease.Create("indexer-v1.sql", oldPath);
        Assert.Equal(1, PreviousRelease.Scalar(oldPath, "PRAGMA user_version"));

        At(oldPath).Migrate();

        var fresh = At(_dir.Combine("fresh.db"));
        fresh.Migrate();
        Assert.Equal(fresh.Sqlite.SchemaVersion, PreviousRelease.Scalar(oldPath, "PRAGMA user_version"));
        Assert.Equal(PreviousRelease.Schema(fresh.Sqlite.Path), PreviousRelease.Schema(oldPath));
        Assert.Equal(1, PreviousRelease.Scalar(oldPath, "SELECT count(*) FROM peers WHERE name = 'Berlin'"));
    }

    [Fact]
    public void A_database_of_a_newer_release_is_refused_not_damaged()
    {
        var path = _dir.Combine("newer.db");
        var db = At(path);
        db.Migrate();
        using (var conn = db.Open())
        {
            conn.Execute("PRAGMA user_version = 99;");
        }
        var e = Assert.Throws<IOException>(db.Migrate);
        Assert.Contains("newer than this release", e.Message);
        Assert.Equal(99, PreviousRelease.Scalar(path, "PRAGMA user_version"));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
