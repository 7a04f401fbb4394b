using System.Net;
using System.Text.Json;
using Atlas.Protocol.Model;

namespace Atlas.Hostile.Tests.Faults;

public sealed class MeilisearchCrashTests(ITestOutputHelper output)
{
    /// <summary>Meilisearch is killed with SIGKILL twice while the indexer is flushing 150 listings in small batches;
    /// meanwhile the node takes 10 listings down and publishes 5 more. After Meilisearch restarts on the same data the
    /// index converges to exactly the live verified listings: none missing, no duplicates, no resurrected tombstone.</summary>
    [Fact]
    public async Task Kill_9_of_Meilisearch_mid_task_then_the_indexer_converges()
    {
        await using var meili = await MeilisearchProcess.StartAsync(new MeilisearchProcessOptions { MaxIndexingThreads = 1 });
        await using var node = await HostileNode.CreateAsync("bulk", start: false);
        var file = node.Temp.Combine("import.json");
        var orgs = Enumerable.Range(0, 150).Select(i => Orgs.Make($"Bulk org {i}", city: (i % 3) switch { 0 => "Berlin", 1 => "Paris", _ => "Tbilisi" }, country: (i % 3) switch { 0 => "DE", 1 => "FR", _ => "GE" })).ToList();
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { organisations = orgs }));
        await node.CliAsync("import", file);
        await node.StartAsync();

        await using var indexer = new HostileIndexer(meili, new Dictionary<string, string?>
        {
            ["Indexer__FlushBatchSize"] = "15",
            ["Indexer__FlushInterval"] = "00:00:00.100",
            ["Indexer__MeilisearchTaskTimeout"] = "00:00:20",
        });
        await indexer.AddPeerAsync(node.BaseUrl, node.RootKid);
        await indexer.StartAsync();

        for (var crash = 0; crash < 2; crash++)
        {
            var target = crash == 0 ? 1 : 60;
            await Poll.UntilAsync(async () => (await indexer.TryDocumentsAsync())?.Count >= target, $"at least {target} documents before crash {crash}", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(30));
            var count = (await indexer.TryDocumentsAsync())?.Count;
            await meili.KillAsync();
            output.WriteLine($"crash {crash}: Meilisearch killed with {count} documents in the index");
            if (crash == 0)
            {
                // Changes while search is down: takedowns and new listings.
                var snapshot = await NodeAudit.VerifyAsync(node);
                foreach (var id in snapshot.Latest.Keys.Order(StringComparer.Ordinal).Take(10))
                {
                    using var r = await node.SendAsync(HttpMethod.Post, $"/api/admin/organisations/{id}/takedown", node.EditorToken);
                    Assert.Equal(HttpStatusCode.OK, r.StatusCode);
                }

                for (var i = 0; i < 5; i++)
                {
                    await node.PublishAsync(Orgs.Make($"Published while search was down {i}"));
                }
            }

            await Task.Delay(1500);
            await meili.RestartAsync();
        }

        var latest = (await NodeAudit.VerifyAsync(node)).Latest.Values.ToList();
        var expected = latest.Where(l => l.Payload.Status == ListingStatus.Active).Select(l => l.Payload.Id).ToHashSet();
        var tombstoned = latest.Where(l => l.Payload.Status == ListingStatus.Tombstone).Select(l => l.Payload.Id).ToHashSet();
        Assert.Equal(145, expected.Count);
        Assert.Equal(10, tombstoned.Count);
        try
        {
            await Poll.UntilAsync(
                async () => (await indexer.TryDocumentsAsync()) is { } docs && docs.Select(HostileIndexer.ListingId).ToHashSet().SetEquals(expected),
                "the index to equal the live verified listings",
                TimeSpan.FromSeconds(90),
                TimeSpan.FromMilliseconds(250));
        }
        finally
        {
            output.WriteLine(await indexer.StatusAsync());
        }

        var final = await indexer.DocumentsAsync();
        var docIds = final.Select(d => d.GetProperty("doc_id").GetString()).ToList();
        Assert.Equal(docIds.Count, docIds.Distinct().Count());
        Assert.Equal(expected.Count, final.Count); // one place each: one document per listing
        Assert.DoesNotContain(final, d => tombstoned.Contains(HostileIndexer.ListingId(d)));
        await Poll.UntilAsync(async () => (await indexer.StatusAsync()).Contains("outbox: 0", StringComparison.Ordinal), "an empty outbox", TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(500));
    }
}
