using System.Text.Json;
using Atlas.Protocol.Model;
using Microsoft.Data.Sqlite;

namespace Atlas.Hostile.Tests.Faults;

/// <summary>Disk full on the indexer and on Meilisearch, simulated like the node's (<c>ulimit -f</c> with SIGXFSZ
/// ignored: a write past the limit fails with EFBIG exactly where a full disk fails with ENOSPC). Real processes on
/// 127.0.0.1; the limit is set just above what the process has written so far, then the node publishes a bulk of
/// listings the process cannot store; afterwards the process is restarted without the limit (space came back).</summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    /// <summary>The indexer's state database cannot grow: the sync pass is not committed (nothing half-written: search
    /// keeps exactly the earlier listings, the state file passes integrity_check), the log says why, the indexer keeps
    /// running; restarted with space it converges to every listing.</summary>
    [Fact]
    public async Task Indexer_disk_full_commits_nothing_says_why_and_converges_once_space_returns()
    {
        await using var meili = await MeilisearchProcess.StartAsync();
        await using var node = await HostileNode.CreateAsync("full-indexer", start: false);
        await node.CliAsync("import", await ImportFileAsync(node, "early", 20));
        await node.StartAsync();
        await using var indexer = new HostileIndexer(meili, new Dictionary<string, string?> { ["Indexer__MaxNewOrganisationsPerNodePerDay"] = "100000" });
        await indexer.AddPeerAsync(node.BaseUrl, node.RootKid);
        await indexer.StartAsync();
        await Poll.UntilAsync(async () => (await indexer.DocumentsAsync()).Count == 20, "the first 20 listings in search", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(200));
        var before = (await indexer.DocumentsAsync()).Select(HostileIndexer.ListingId).ToHashSet();
        await Poll.UntilAsync(() => Query<long>(indexer.DatabasePath, "SELECT count(*) FROM outbox") == 0, "the outbox emptied after the first flush", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));

        // Restart under a limit just above the largest file the indexer has written (database, WAL).
        await indexer.KillAsync();
        var largest = LargestFileBytes(Path.GetDirectoryName(indexer.DatabasePath)!);
        var limitKb = (largest / 1024) + 64;
        await indexer.StartAsync(fileSizeLimitKb: limitKb);
        output.WriteLine($"indexer restarted under ulimit -f {limitKb} KiB (largest file {largest} bytes)");

        // 150 listings with long descriptions: well over 64 KiB of new state.
        await node.CliAsync("import", await ImportFileAsync(node, "late", 150));
        try
        {
            await Poll.UntilAsync(() => indexer.Host!.Output.Snapshot().Any(IsDiskError), "the indexer to log the failing write", TimeSpan.FromSeconds(180), TimeSpan.FromMilliseconds(250));
        }
        finally
        {
            output.WriteLine(indexer.Host!.Describe("log under the limit"));
            output.WriteLine(await indexer.StatusAsync());
            output.WriteLine(await node.Http.GetStringAsync("/atlas/v1/head"));
        }

        // Nothing of the failed pass: search holds exactly the earlier listings, the state file is intact, no outbox.
        var log = string.Join('\n', indexer.Host!.Output.Snapshot());
        Assert.DoesNotContain("Unhandled exception", log, StringComparison.Ordinal);
        Assert.False(indexer.Host.HasExited, "the indexer must keep running on a full disk");
        Assert.True(before.SetEquals((await indexer.DocumentsAsync()).Select(HostileIndexer.ListingId)), "search changed although the pass failed");
        Assert.Equal("ok", Query<string>(indexer.DatabasePath, "PRAGMA integrity_check"));
        Assert.Equal(20L, Query<long>(indexer.DatabasePath, "SELECT count(*) FROM listings"));
        Assert.Equal(0L, Query<long>(indexer.DatabasePath, "SELECT count(*) FROM outbox"));

        // Space returns: restart without the limit; it converges to every listing the node publishes.
        await indexer.KillAsync();
        await indexer.StartAsync();
        var expected = (await NodeAudit.VerifyAsync(node)).Latest.Values.Where(l => l.Payload.Status == ListingStatus.Active).Select(l => l.Payload.Id).ToHashSet();
        Assert.Equal(170, expected.Count);
        await Poll.UntilAsync(async () => (await indexer.DocumentsAsync()).Select(HostileIndexer.ListingId).ToHashSet().SetEquals(expected),
            "search to hold every listing after space returned", TimeSpan.FromSeconds(240), TimeSpan.FromMilliseconds(250));
        Assert.Equal("ok", Query<string>(indexer.DatabasePath, "PRAGMA integrity_check"));
        await Poll.UntilAsync(() => Query<long>(indexer.DatabasePath, "SELECT count(*) FROM outbox") == 0, "an empty outbox", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        output.WriteLine(await indexer.StatusAsync());
    }

    /// <summary>Meilisearch cannot grow its files: its tasks fail with an I/O error, the indexer's flush fails with a
    /// clear error and keeps the outbox; Meilisearch restarted with space (same data) gets the same documents as the
    /// state holds, without duplicates.</summary>
    [Fact]
    public async Task Meilisearch_disk_full_fails_the_flush_keeps_the_outbox_and_search_converges_once_space_returns()
    {
        await using var meili = await MeilisearchProcess.StartAsync(new MeilisearchProcessOptions { MaxIndexingThreads = 1 });
        await using var node = await HostileNode.CreateAsync("full-search", start: false);
        await node.CliAsync("import", await ImportFileAsync(node, "early", 20));
        await node.StartAsync();
        await using var indexer = new HostileIndexer(meili, new Dictionary<string, string?>
        {
            ["Indexer__MeilisearchTaskTimeout"] = "00:00:20",
            // Small batches: each payload fits under the limit, so Meilisearch accepts the task and fails while indexing.
            ["Indexer__FlushBatchSize"] = "25",
            ["Indexer__MaxNewOrganisationsPerNodePerDay"] = "100000",
        });
        await indexer.AddPeerAsync(node.BaseUrl, node.RootKid);
        await indexer.StartAsync();
        await Poll.UntilAsync(async () => (await indexer.DocumentsAsync()).Count == 20, "the first 20 listings in search", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(200));

        var largest = LargestFileBytes(meili.DbPath);
        meili.FileSizeLimitKb = (largest / 1024) + 256;
        await meili.RestartAsync();
        output.WriteLine($"Meilisearch restarted under ulimit -f {meili.FileSizeLimitKb} KiB (largest file {largest} bytes)");

        await node.CliAsync("import", await ImportFileAsync(node, "late", 150));
        try
        {
            // (A first "Flush to search failed" may be the restart itself: a pooled connection reset. Wait for the flush
            // worker's failure carrying the I/O error; the client's own warning about the task comes a moment earlier.)
            await Poll.UntilAsync(() => FlushFailedOnDiskError(indexer.Host!.Output.Snapshot()),
                "the flush worker to report Meilisearch's I/O error", TimeSpan.FromSeconds(180), TimeSpan.FromMilliseconds(250));
        }
        finally
        {
            output.WriteLine(indexer.Host!.Describe("log under the limit"));
            output.WriteLine(meili.Describe("log under the limit"));
        }

        var log = string.Join('\n', indexer.Host!.Output.Snapshot());
        Assert.Contains("Flush to search failed", log, StringComparison.Ordinal);
        var status = await indexer.StatusAsync();
        output.WriteLine(status);
        Assert.DoesNotContain("outbox: 0 pending", status, StringComparison.Ordinal);
        Assert.Equal(170L, Query<long>(indexer.DatabasePath, "SELECT count(*) FROM listings"));
        Assert.True(meili.IsRunning, "Meilisearch itself keeps running; only its writes fail");

        // Space returns: Meilisearch restarts on the same data without the limit; search converges to the state.
        meili.FileSizeLimitKb = null;
        await meili.RestartAsync();
        var expected = (await NodeAudit.VerifyAsync(node)).Latest.Values.Where(l => l.Payload.Status == ListingStatus.Active).Select(l => l.Payload.Id).ToHashSet();
        Assert.Equal(170, expected.Count);
        await Poll.UntilAsync(async () => (await indexer.TryDocumentsAsync()) is { } docs && docs.Select(HostileIndexer.ListingId).ToHashSet().SetEquals(expected),
            "search to hold every listing after space returned", TimeSpan.FromSeconds(240), TimeSpan.FromMilliseconds(500));
        var final = await indexer.DocumentsAsync();
        Assert.Equal(final.Count, final.Select(d => d.GetProperty("doc_id").GetString()).Distinct().Count());
        Assert.Equal(expected.Count, final.Count);
        await Poll.UntilAsync(async () => (await indexer.StatusAsync()).Contains("outbox: 0 pending", StringComparison.Ordinal), "an empty outbox", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));
    }

    /// <summary>A task that failed writing its index (<c>io_error</c>), or a payload Meilisearch could not store
    /// (EFBIG here, ENOSPC on a real full disk).</summary>
    private static bool IsMeilisearchDiskError(string line) =>
        line.Contains("io_error", StringComparison.Ordinal) || line.Contains("os error 27", StringComparison.Ordinal) || line.Contains("os error 28", StringComparison.Ordinal);

    /// <summary>"Flush to search failed" followed, within its exception's first lines, by the disk error.</summary>
    private static bool FlushFailedOnDiskError(IReadOnlyList<string> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (!lines[i].Contains("Flush to search failed", StringComparison.Ordinal))
            {
                continue;
            }

            for (var j = i + 1; j < Math.Min(lines.Count, i + 4); j++)
            {
                if (IsMeilisearchDiskError(lines[j]))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsDiskError(string line) =>
        line.Contains("disk I/O error", StringComparison.OrdinalIgnoreCase) || line.Contains("database or disk is full", StringComparison.OrdinalIgnoreCase);

    private static async Task<string> ImportFileAsync(HostileNode node, string prefix, int count)
    {
        // Long descriptions (about 4 KB a listing) so a bulk outgrows the limit quickly.
        var text = string.Concat(Enumerable.Repeat("Legal aid, relocation and visa help for people who left; ", 35));
        var orgs = Enumerable.Range(0, count).Select(i => Orgs.Make($"{prefix} group {i:000}", description: $"{text} ({prefix} {i})")).ToList();
        var file = node.Temp.Combine($"{prefix}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { organisations = orgs }));
        return file;
    }

    private static long LargestFileBytes(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => new FileInfo(f).Length).DefaultIfEmpty(0).Max();

    private static T Query<T>(string db, string sql)
    {
        using var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
