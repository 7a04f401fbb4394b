using System.Diagnostics;
using System.Net;

namespace Atlas.Hostile.Tests.Federation;

/// <summary>Real node processes, a real indexer process and a real Meilisearch, all on 127.0.0.1.</summary>
public sealed class TakedownAndBurstTests(ITestOutputHelper output)
{
    /// <summary>Threat model 7 end to end: the origin node takes a listing down and dies (kill -9) before any indexer
    /// heard of it; a third party relays the signed tombstone to the indexer, which removes the listing from search at
    /// once although it cannot reach the origin.</summary>
    [Fact]
    public async Task Takedown_relayed_by_a_third_party_reaches_search_while_the_origin_is_offline()
    {
        await using var meili = await MeilisearchProcess.StartAsync();
        await using var node = await HostileNode.CreateAsync("origin");
        var keep = await node.PublishAsync(Orgs.Make("Stays listed"));
        var doomed = await node.PublishAsync(Orgs.Make("Must disappear"));
        await using var indexer = new HostileIndexer(meili, new Dictionary<string, string?> { ["Indexer__PollInterval"] = "00:10:00" });
        await indexer.AddPeerAsync(node.BaseUrl, node.RootKid);
        await indexer.StartAsync();
        await Poll.UntilAsync(async () => (await indexer.DocumentsAsync()).Count == 2, "both listings in search", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));

        // Takedown on the node (no notify URL configured), a bystander fetches the public tombstone, the origin crashes.
        using (var takedown = await node.SendAsync(HttpMethod.Post, $"/api/admin/organisations/{doomed}/takedown", node.EditorToken))
        {
            Assert.Equal(HttpStatusCode.OK, takedown.StatusCode);
        }

        var tombstone = await node.Http.GetStringAsync($"/atlas/v1/listings/{doomed}");
        await node.KillAsync();

        var sw = Stopwatch.StartNew();
        using (var relayed = await indexer.PostJoseAsync("/atlas/v1/relay", tombstone))
        {
            Assert.Equal(HttpStatusCode.Accepted, relayed.StatusCode);
        }

        try
        {
            // Usually 1–3 s; the bound is generous because four test classes share two cores with four Meilisearch processes.
            await Poll.UntilAsync(
                async () => (await indexer.DocumentsAsync()).Select(HostileIndexer.ListingId).SequenceEqual([keep]),
                "the relayed takedown to leave search while the other listing stays",
                TimeSpan.FromSeconds(30),
                TimeSpan.FromMilliseconds(100));
        }
        catch (TimeoutException)
        {
            output.WriteLine(indexer.Host!.Describe("log after the relay"));
            output.WriteLine(meili.Describe("log"));
            throw;
        }

        output.WriteLine($"relay → gone from search in {sw.ElapsedMilliseconds} ms with the origin offline");

        // Relaying the same tombstone again (a replay) changes nothing and is not an error.
        using (var again = await indexer.PostJoseAsync("/atlas/v1/relay", tombstone))
        {
            Assert.True(again.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, $"replayed relay answered {(int)again.StatusCode}");
        }

        Assert.Equal([keep], (await indexer.DocumentsAsync()).Select(HostileIndexer.ListingId));
    }

    /// <summary>Threat model 2 end to end (honeypot flood from an infiltrated but trusted node): after the first sync,
    /// a node suddenly publishes more new organisations than the per-day cap; the excess is quarantined (not in search),
    /// <c>alerts</c> shows <c>new_node_burst</c> and <c>status</c> counts the quarantined listings.</summary>
    [Fact]
    public async Task Honeypot_burst_from_a_trusted_node_is_capped_quarantined_and_alerted()
    {
        await using var meili = await MeilisearchProcess.StartAsync();
        await using var node = await HostileNode.CreateAsync("infiltrated");
        var first = await node.PublishAsync(Orgs.Make("Long-standing group"));
        await using var indexer = new HostileIndexer(meili, new Dictionary<string, string?> { ["Indexer__MaxNewOrganisationsPerNodePerDay"] = "3" });
        await indexer.AddPeerAsync(node.BaseUrl, node.RootKid);
        Assert.Contains("ok", (await indexer.CliAsync(["sync", "--once"])).StandardOutput);

        var burst = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            burst.Add(await node.PublishAsync(Orgs.Make($"Fresh honeypot {i}", city: i % 2 == 0 ? "Berlin" : "Paris", country: i % 2 == 0 ? "DE" : "FR")));
        }

        var sync = await indexer.CliAsync(["sync", "--once"], allowFailure: true);
        output.WriteLine(sync.ToString());
        await indexer.StartAsync();
        await Poll.UntilAsync(async () => (await indexer.DocumentsAsync()).Count == 4, "the first listing plus the 3 allowed new ones in search", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        await indexer.KillAsync();

        var ids = (await indexer.DocumentsAsync()).Select(HostileIndexer.ListingId).ToHashSet();
        Assert.Contains(first, ids);
        Assert.Equal(3, burst.Count(ids.Contains));
        var alerts = await indexer.AlertsAsync();
        Assert.Contains("new_node_burst", alerts);
        var status = await indexer.StatusAsync();
        output.WriteLine(status);
        Assert.Contains("quarantined: 5", status);
    }
}
