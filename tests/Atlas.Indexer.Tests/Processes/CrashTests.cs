using System.Diagnostics;
using System.Text;
using Atlas.Indexer.Tests.Infrastructure;
using Atlas.Indexer.Tests.Peers;
using Xunit.Abstractions;

namespace Atlas.Indexer.Tests.Processes;

/// <summary>kill -9 of the running indexer at arbitrary points, then a restart converges: the index holds
/// exactly the verified live listings, no duplicates, no resurrected tombstones.</summary>
[Collection(MeiliCollection.Name)]
public sealed class CrashTests(MeiliProcess meili, ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public async Task Kill_9_during_sync_then_restart_converges()
    {
        var index = MeiliProcess.NewIndex();
        var env = new Dictionary<string, string?>(meili.Settings(index))
        {
            ["Indexer:Database"] = Path.Combine(_dir.Path, "state.db"),
            ["Indexer:FlushInterval"] = "00:00:00.200",
            ["Indexer:FlushBatchSize"] = "300",
            ["Indexer:PollInterval"] = "00:00:01",
        };
        await using var peer = await FakePeer.StartAsync("crashy");
        var ids = peer.PublishMany(2000, i => Orgs.Make($"Crash org {i}"));
        var withdrawn = new HashSet<string>(ids.Take(100));
        foreach (var id in withdrawn)
        {
            peer.Withdraw(id);
        }
        Assert.Equal(0, (await IndexerProcess.RunAsync(env, "peers", "add", peer.BaseUrl, "--root", peer.Root.Kid)).ExitCode);

        // Round 0: kill while the first pass is verifying (before its commit). Round 1: kill mid-flush (some
        // documents in search, not all). Round 2: kill at an arbitrary moment.
        var expected = ids.Count - withdrawn.Count;
        for (var round = 0; round < 3; round++)
        {
            var log = new StringBuilder();
            using var run = IndexerProcess.Start(["run", "--urls", $"http://127.0.0.1:{MeiliProcess.FreePort()}"], env, log);
            var sw = Stopwatch.StartNew();
            var count = 0;
            while (sw.Elapsed < TimeSpan.FromSeconds(30))
            {
                if (round == 0 && Snapshot(log).Contains("Trusting keyset", StringComparison.Ordinal))
                {
                    break;
                }
                if (round == 1 && (count = await CountAsync(index)) > 0)
                {
                    break;
                }
                if (round == 2 && sw.ElapsedMilliseconds > 1200 + Random.Shared.Next(1500))
                {
                    break;
                }
                await Task.Delay(round == 0 ? 5 : 30);
            }
            run.Kill(entireProcessTree: true); // SIGKILL: no graceful shutdown, no final flush
            await run.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            output.WriteLine($"round {round}: killed after {sw.ElapsedMilliseconds} ms with {count} of {expected} documents in search");
            // More takedowns while the indexer is down.
            foreach (var id in ids.Skip(100 + 10 * round).Take(10))
            {
                peer.Withdraw(id);
                withdrawn.Add(id);
            }
            expected = ids.Count - withdrawn.Count;
        }

        var final = await IndexerProcess.RunAsync(env, "sync", "--once");
        Assert.True(final.ExitCode == 0, final.Stdout + final.Stderr);

        var docs = await meili.AllDocumentsAsync(index);
        var docIds = docs.Select(d => d.GetProperty("doc_id").GetString()!).ToList();
        var listingIds = docs.Select(d => d.GetProperty("listing_id").GetString()!).ToHashSet();
        var live = ids.Where(id => !withdrawn.Contains(id)).ToHashSet();
        output.WriteLine($"final: {docs.Count} docs; missing {live.Except(listingIds).Count()}, extra {listingIds.Except(live).Count()}; sync said: {final.Stdout.Trim()}");
        Assert.Equal(docIds.Count, docIds.Distinct().Count());
        Assert.Equal(ids.Where(id => !withdrawn.Contains(id)).ToHashSet(), listingIds);
        Assert.Empty(listingIds.Intersect(withdrawn));
        Assert.Equal(ids.Count - withdrawn.Count, docs.Count);
        var status = await IndexerProcess.RunAsync(env, "status");
        Assert.Contains("outbox: 0", status.Stdout);
    }

    private static string Snapshot(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    private async Task<int> CountAsync(string index)
    {
        using var r = await meili.Http.GetAsync($"indexes/{index}/stats");
        return r.IsSuccessStatusCode ? System.Text.Json.JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("numberOfDocuments").GetInt32() : 0;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
