using System.Collections.Concurrent;
using System.Net;
using Atlas.Api.Data;
using Atlas.Api.Tests.Infrastructure;
using Atlas.Hosting;
using Dapper;

namespace Atlas.Api.Tests;

/// <summary>The node's SQLite convention (docs/reliability.md, "Durability"): the settings in effect on every
/// connection, upgrades of a database made by the previous release (by every CLI command and by serve), and
/// acknowledged writes that survive kill -9 at any point.</summary>
public sealed class DurabilityTests
{
    [Fact]
    public void Every_connection_is_wal_with_synchronous_full_foreign_keys_and_a_busy_timeout()
    {
        using var tmp = new TempDirectory();
        var store = new NodeStore(tmp.Combine("node"));
        store.CreateOrMigrate();
        using var conn = store.Open();
        Assert.Equal("wal", conn.ExecuteScalar<string>("PRAGMA journal_mode;"));
        Assert.Equal(2L, conn.ExecuteScalar<long>("PRAGMA synchronous;")); // FULL, as docs/reliability.md says
        Assert.Equal(1L, conn.ExecuteScalar<long>("PRAGMA foreign_keys;"));
        Assert.Equal((long)SqliteDatabase.BusyTimeoutMs, conn.ExecuteScalar<long>("PRAGMA busy_timeout;"));
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
        // Back to the previous release's schema: version 1 had no ix_submissions_status.
        var db = Path.Combine(node.DataDir, NodeStore.FileName);
        using (var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False"))
        {
            conn.Open();
            conn.Execute("DROP INDEX ix_submissions_status; PRAGMA user_version = 1;");
        }

        await node.StartAsync();

        Assert.Equal(2, PreviousRelease.Scalar(db, "PRAGMA user_version"));
        Assert.Equal(1, PreviousRelease.Scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'ix_submissions_status'"));
        Assert.Contains(id, await node.GetStringAsync($"/atlas/v1/listings/{id}"));
    }

    [Fact]
    public async Task Acknowledged_submissions_and_approvals_survive_kill_9_at_any_point()
    {
        await using var node = new OwnedNode();
        await node.InitializeAsync();
        var submitted = new ConcurrentBag<long>();
        var approved = new ConcurrentBag<string>();
        var random = new Random(1234);
        for (var round = 0; round < 3; round++)
        {
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < 200 && !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        var sub = await node.JsonAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Samples.Org($"Durable {round}-{w}-{i}") }, expect: HttpStatusCode.Accepted);
                        var subId = sub.GetProperty("id").GetInt64();
                        submitted.Add(subId);
                        var published = await node.JsonAsync(HttpMethod.Post, $"/api/admin/submissions/{subId}/approve", node.EditorToken);
                        approved.Add(published.GetProperty("id").GetString()!);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Xunit.Sdk.XunitException)
                    {
                        return; // the node died under this request: not acknowledged
                    }
                }
            })).ToList();
            // Kill at a different point each round: after a random number of acknowledged writes.
            var target = submitted.Count + random.Next(3, 25);
            for (var wait = 0; wait < 600 && submitted.Count < target; wait++)
            {
                await Task.Delay(50);
            }
            await node.Node.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            await node.StartAsync();
        }

        Assert.True(submitted.Count >= 9, $"only {submitted.Count} writes were acknowledged");
        var db = Path.Combine(node.DataDir, NodeStore.FileName);
        foreach (var s in submitted)
        {
            Assert.Equal(1, PreviousRelease.Scalar(db, $"SELECT count(*) FROM submissions WHERE id = {s}"));
        }
        foreach (var listing in approved)
        {
            Assert.Equal(1, PreviousRelease.Scalar(db, $"SELECT count(*) FROM listings WHERE id = '{listing}' AND status = 'active'"));
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
