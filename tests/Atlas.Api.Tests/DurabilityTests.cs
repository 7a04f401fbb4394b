using Atlas.Api.Data;
using Atlas.Api.Tests.Infrastructure;
using Atlas.Hosting;
using Dapper;

namespace Atlas.Api.Tests;

/// <summary>The node's SQLite convention (docs/reliability.md, "Durability"): the settings in effect on every
/// connection and upgrades of a database made by the previous release (by every CLI command and by serve).
/// Acknowledged writes under kill -9: Hostile <c>Faults.NodeFaultTests</c>.</summary>
public sealed class DurabilityTests
{
    [Fact]
    public void Every_connection_is_wal_with_synchronous_full_foreign_keys_and_a_busy_timeout()
    {
        using var tmp = new TempDirectory();
        var store = new NodeStore(tmp.Combine("node"));
        store.CreateOrMigrate();
        // The settings are given once per physical connection: connections taken again from the pool keep them, and
        // connections opened while others are held get them too.
        for (var round = 0; round < 3; round++)
        {
            var held = Enumerable.Range(0, 3).Select(_ => store.Open()).ToList();
            foreach (var conn in held)
            {
                Assert.Equal("wal", conn.ExecuteScalar<string>("PRAGMA journal_mode;"));
                Assert.Equal(2L, conn.ExecuteScalar<long>("PRAGMA synchronous;")); // FULL, as docs/reliability.md says
                Assert.Equal(1L, conn.ExecuteScalar<long>("PRAGMA foreign_keys;"));
                Assert.Equal((long)SqliteDatabase.BusyTimeoutMs, conn.ExecuteScalar<long>("PRAGMA busy_timeout;"));
                Assert.Equal(-256L, conn.ExecuteScalar<long>("PRAGMA cache_size;"));
                conn.Dispose();
            }
        }
    }

    [Fact]
    public void A_database_of_the_previous_release_is_upgraded_in_place_and_keeps_its_rows()
    {
        using var tmp = new TempDirectory();
        var old = new NodeStore(tmp.Combine("old"));
        PreviousRelease.Create("node-v1.sql", old.DbPath);
        var listings = PreviousRelease.Scalar(old.DbPath, "SELECT count(*) FROM listing_versions");
        Assert.Equal(1, PreviousRelease.Scalar(old.DbPath, "PRAGMA user_version"));

        old.Migrate();

        var fresh = new NodeStore(tmp.Combine("fresh"));
        fresh.CreateOrMigrate();
        Assert.Equal(fresh.Database.SchemaVersion, PreviousRelease.Scalar(old.DbPath, "PRAGMA user_version"));
        Assert.Equal(PreviousRelease.Schema(fresh.DbPath), PreviousRelease.Schema(old.DbPath));
        Assert.Equal(listings, PreviousRelease.Scalar(old.DbPath, "SELECT count(*) FROM listing_versions"));
        old.Migrate(); // idempotent
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task Serve_migrates_a_database_left_at_the_previous_schema()
    {
        await using var node = new OwnedNode();
        await node.InitializeAsync();
        var id = await node.SubmitAndApproveAsync(Samples.Org("Before The Upgrade"));
        await node.StopAsync();
        // Back to the previous release's schema: the version before the last had no ix_submissions_status.
        var db = Path.Combine(node.DataDir, NodeStore.FileName);
        using (var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False"))
        {
            conn.Open();
            conn.Execute($"DROP INDEX ix_submissions_status; PRAGMA user_version = {new NodeStore(node.DataDir).Database.SchemaVersion - 1};");
        }

        await node.StartAsync();

        Assert.Equal(new NodeStore(node.DataDir).Database.SchemaVersion, PreviousRelease.Scalar(db, "PRAGMA user_version"));
        Assert.Equal(1, PreviousRelease.Scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'ix_submissions_status'"));
        var listing = Atlas.Protocol.Verification.SignedObjects.VerifyListing(await node.GetStringAsync($"/atlas/v1/listings/{id}"), await node.TrustedKeysetAsync(), id);
        Assert.False(listing.IsTombstone);
    }
}
