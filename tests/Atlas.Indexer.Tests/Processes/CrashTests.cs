using System.Diagnostics;
using Xunit.Abstractions;

namespace Atlas.Indexer.Tests.Processes;

/// <summary>kill -9 of the running indexer at arbitrary points, then a restart converges: the index holds
/// exactly the verified live listings, no duplicates, no resurrected tombstones.</summary>
[Collection(IndexerMeilisearchCollection.Name)]
public sealed class CrashTests(MeilisearchFixture meili, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new("atlas-idx-proc");

    [Fact]
    public async Task Kill_9_during_sync_then_restart_converges()
    {
        using var search = new SearchProbe(meili, MeilisearchFixture.NewIndexUid("crash"));
        var env = new Dictionary<string, string?>(IndexerProcess.CreateSettings(_dir.Combine("state.db"), meili.Url, meili.MasterKey, search.Index))
        {
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
        Assert.Equal(0, (await IndexerProcess.RunCliAsync(env, "peers", "add", peer.BaseUrl, "--root", peer.Root.Kid)).ExitCode);

        // Round 0: kill while the first pass is verifying (before its commit). Round 1: kill mid-flush (some
        // documents in search, not all). Round 2: kill at an arbitrary moment.
        var expected = ids.Count - withdrawn.Count;
        for (var round = 0; round < 3; round++)
        {
            await using var run = await IndexerProcess.StartAsync(env, IndexerWait.Nothing);
            var sw = Stopwatch.StartNew();
            var count = 0L;
            while (sw.Elapsed < TimeSpan.FromSeconds(30))
            {
                if (round == 0 && run.Host.Output.Contains("Trusting keyset"))
                {
                    break;
                }
                if (round == 1 && (count = await CountAsync(search)) > 0)
                {
                    break;
                }
                if (round == 2 && sw.ElapsedMilliseconds > 1200 + Random.Shared.Next(1500))
                {
                    break;
                }
                await Task.Delay(round == 0 ? 5 : 30);
            }
            await run.KillAsync(); // SIGKILL: no graceful shutdown, no final flush
            output.WriteLine($"round {round}: killed after {sw.ElapsedMilliseconds} ms with {count} of {expected} documents in search");
            // More takedowns while the indexer is down.
            foreach (var id in ids.Skip(100 + 10 * round).Take(10))
            {
                peer.Withdraw(id);
                withdrawn.Add(id);
            }
            expected = ids.Count - withdrawn.Count;
        }

        var final = await IndexerProcess.RunCliAsync(env, "sync", "--once");
        Assert.True(final.ExitCode == 0, final.StandardOutput + final.StandardError);

        var docs = await search.DocsAsync();
        var docIds = docs.Select(d => d.DocId).ToList();
        var listingIds = docs.Select(d => d.ListingId).ToHashSet();
        var live = ids.Where(id => !withdrawn.Contains(id)).ToHashSet();
        output.WriteLine($"final: {docs.Count} docs; missing {live.Except(listingIds).Count()}, extra {listingIds.Except(live).Count()}; sync said: {final.StandardOutput.Trim()}");
        Assert.Equal(docIds.Count, docIds.Distinct().Count());
        Assert.Equal(ids.Where(id => !withdrawn.Contains(id)).ToHashSet(), listingIds);
        Assert.Empty(listingIds.Intersect(withdrawn));
        Assert.Equal(ids.Count - withdrawn.Count, docs.Count);
        var status = await IndexerProcess.RunCliAsync(env, "status");
        Assert.Contains("outbox: 0", status.StandardOutput);
    }

    private static async Task<long> CountAsync(SearchProbe search) =>
        await search.Client.GetIndexAsync(search.Index) is null ? 0 : (await search.Client.GetIndexStatsAsync(search.Index)).NumberOfDocuments;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
