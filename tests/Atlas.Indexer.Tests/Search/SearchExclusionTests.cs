using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using System.Text.Json;
using Atlas.Indexer.Meilisearch;
using Atlas.Indexer.Push;
using Atlas.Indexer.Search;
using Microsoft.Extensions.DependencyInjection;

namespace Atlas.Indexer.Tests.Search;

/// <summary>Search-time exclusion against a real Meilisearch (docs/architecture.md "Search-time exclusion"): the tenant
/// token the proxy puts on every search filters a withdrawn listing out of results, facet counts and the signed index
/// while Meilisearch still holds its documents (the deletion is held back by holding the queue the lane needs), never
/// filters a listing that was not withdrawn, and lets go of the listing only once search no longer has it or the state
/// shows it again.</summary>
[Collection(IndexerMeilisearchCollection.Name)]
public sealed class SearchExclusionTests(MeilisearchFixture meili)
{
    private static RemovalLane Lane(TestIndexer indexer) => indexer.Services.GetRequiredService<RemovalLane>();

    private static SearchExclusions Exclusions(TestIndexer indexer) => indexer.Services.GetRequiredService<SearchExclusions>();

    private static async Task<string> TokenAsync(TestIndexer indexer)
    {
        var header = await indexer.Services.GetRequiredService<SearchTokenIssuer>().AuthorizationAsync(CancellationToken.None);
        Assert.NotNull(header);
        Assert.StartsWith("Bearer ", header, StringComparison.Ordinal);
        return header["Bearer ".Length..];
    }

    /// <summary>What the map site would see with this token: listing ids of the hits, the facet count of listings, and
    /// the listing ids of the signed index (plus how many keyset documents it returns).</summary>
    private async Task<(HashSet<string> Hits, int Listings, HashSet<string> Signed, int Keysets)> SeenAsync(TestIndexer indexer, string token)
    {
        using var http = meili.CreateHttpClient(token);
        using var answer = await http.PostAsJsonAsync("/multi-search", new
        {
            queries = new object[]
            {
                new { indexUid = indexer.Index, q = "", limit = 1000, facets = new[] { "listing_id" } },
                new { indexUid = SignedIndexSettings.UidFor(indexer.Index), q = "", limit = 1000 },
            },
        });
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, $"{(int)answer.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        var results = json.RootElement.GetProperty("results");
        var hits = results[0].GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("listing_id").GetString()!).ToHashSet();
        var listings = results[0].GetProperty("facetDistribution").GetProperty("listing_id").EnumerateObject().Count();
        var signedDocs = results[1].GetProperty("hits").EnumerateArray().ToList();
        var signed = signedDocs.Where(d => d.GetProperty("kind").GetString() == "listing").Select(d => d.GetProperty("listing_id").GetString()!).ToHashSet();
        return (hits, listings, signed, signedDocs.Count(d => d.GetProperty("kind").GetString() != "listing"));
    }

    [Fact]
    public async Task A_takedown_leaves_every_search_at_once_while_Meilisearch_still_holds_it_and_is_released_once_deleted()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("vilnius", time: indexer.Time);
        var ids = peer.PublishMany(5, i => Orgs.Make($"Org {i}", cityCount: 2));
        await indexer.AddPeerAndSyncAsync(peer);
        Assert.Null(await Lane(indexer).RunOnceAsync(CancellationToken.None));
        var before = await SeenAsync(indexer, await TokenAsync(indexer));
        Assert.Equal(ids.ToHashSet(), before.Hits);
        Assert.Equal(5, before.Listings);
        Assert.Equal(ids.ToHashSet(), before.Signed);
        Assert.True(before.Keysets > 0);
        var withdrawn = ids[2];

        // Hold the queue the lane needs to queue its deletion: Meilisearch keeps every document of the listing.
        Task<Removal?> lane;
        using (await indexer.Services.GetRequiredService<SearchQueue>().EnterAsync(CancellationToken.None))
        {
            Assert.Equal("withdrawn", await indexer.Services.GetRequiredService<PushHandler>().RelayAsync(peer.Withdraw(withdrawn, publish: false), CancellationToken.None));
            lane = Lane(indexer).RunOnceAsync(CancellationToken.None);
            await Poll.UntilAsync(() => Task.FromResult(Exclusions(indexer).Snapshot().ListingIds.Contains(withdrawn)), "the lane to exclude the listing", TimeSpan.FromSeconds(30));
            Assert.False(lane.IsCompleted);

            var during = await SeenAsync(indexer, await TokenAsync(indexer));
            Assert.Equal(ids.Where(i => i != withdrawn).ToHashSet(), during.Hits);
            Assert.Equal(4, during.Listings);
            Assert.Equal(ids.Where(i => i != withdrawn).ToHashSet(), during.Signed);
            Assert.Equal(before.Keysets, during.Keysets);
            // …while the documents are still there (the master key sees them).
            Assert.Equal(2, (await indexer.Search.DocsOfAsync(withdrawn)).Count);
            Assert.Equal(0, await Lane(indexer).ReleaseExclusionsAsync(CancellationToken.None));
            Assert.Single(Exclusions(indexer).Snapshot().ListingIds);
        }

        var removal = await lane;
        Assert.NotNull(removal);
        foreach (var task in removal.TaskUids)
        {
            await indexer.Search.Client.WaitForTaskAsync(task, TimeSpan.FromMinutes(2));
        }
        Assert.Equal(1, await Lane(indexer).ReleaseExclusionsAsync(CancellationToken.None));
        Assert.Empty(Exclusions(indexer).Snapshot().ListingIds);
        var token = await TokenAsync(indexer);
        Assert.DoesNotContain("NOT listing_id", DecodePayload(token), StringComparison.Ordinal);
        var after = await SeenAsync(indexer, token);
        Assert.Equal(ids.Where(i => i != withdrawn).ToHashSet(), after.Hits);
        Assert.Equal(ids.Where(i => i != withdrawn).ToHashSet(), after.Signed);
    }

    [Fact]
    public async Task Edits_never_exclude_and_a_hidden_node_is_released_when_shown_again()
    {
        await using var indexer = new TestIndexer(meili);
        await using var hidden = await FakePeer.StartAsync("paris", time: indexer.Time);
        await using var other = await FakePeer.StartAsync("berlin", time: indexer.Time);
        var paris = hidden.PublishMany(2, i => Orgs.Make($"Paris {i}"));
        var berlin = other.Publish(Orgs.Make("Berlin"));
        indexer.AddPeer(hidden);
        indexer.AddPeer(other);
        await indexer.SyncAsync();

        // An edit: queued in the outbox with documents in search, but shown: never excluded.
        other.Update(berlin, o => o with { Description = new Dictionary<string, string> { ["en"] = "Edited." } });
        await indexer.SyncAsync();
        Assert.Null(await Lane(indexer).RunOnceAsync(CancellationToken.None));
        Assert.Empty(Exclusions(indexer).Snapshot().ListingIds);

        // Hidden: excluded (and deleted by the lane)…
        Task<Removal?> lane;
        using (await indexer.Services.GetRequiredService<SearchQueue>().EnterAsync(CancellationToken.None))
        {
            Assert.True(indexer.Store.Write(s => s.Peers.Hide("paris", "feed head expired")));
            lane = Lane(indexer).RunOnceAsync(CancellationToken.None);
            await Poll.UntilAsync(() => Task.FromResult(Exclusions(indexer).Snapshot().ListingIds.Count == 2), "the lane to exclude the node's listings", TimeSpan.FromSeconds(30));
            // …shown again before Meilisearch deleted anything: released although its documents are still in search,
            // so the filter never hides a listing the state shows.
            var pass = await indexer.Services.GetRequiredService<Atlas.Indexer.Sync.SyncRunner>().SyncAllOnceAsync(CancellationToken.None);
            Assert.All(pass, r => Assert.True(r.Ok, r.Error));
            Assert.Equal(2, await Lane(indexer).ReleaseExclusionsAsync(CancellationToken.None));
            Assert.Empty(Exclusions(indexer).Snapshot().ListingIds);
            Assert.Equal(new[] { berlin }.Concat(paris).Order(StringComparer.Ordinal), (await SeenAsync(indexer, await TokenAsync(indexer))).Hits.Order(StringComparer.Ordinal));
        }
        await lane;
        await indexer.FlushAsync();
        Assert.Equal(new[] { berlin }.Concat(paris).Order(StringComparer.Ordinal), (await SeenAsync(indexer, await TokenAsync(indexer))).Hits.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task No_token_is_issued_before_the_lane_has_loaded_the_exclusions_and_a_restart_rebuilds_them()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("yerevan", time: indexer.Time);
        var ids = peer.PublishMany(3, i => Orgs.Make($"Org {i}"));
        await indexer.AddPeerAndSyncAsync(peer);
        var withdrawn = ids[0];
        Assert.Null(await indexer.Services.GetRequiredService<SearchTokenIssuer>().AuthorizationAsync(CancellationToken.None));
        // Committed; the process "dies" before its lane looked at it.
        Assert.Equal("withdrawn", await indexer.Services.GetRequiredService<PushHandler>().RelayAsync(peer.Withdraw(withdrawn, publish: false), CancellationToken.None));

        // A new process over the same state and index (fresh singletons: nothing excluded, lane cursor at 0).
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(indexer.Settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton<TimeProvider>(indexer.Time)
            .AddLogging();
        Atlas.Indexer.Hosting.IndexerServices.AddIndexer(services, configuration);
        await using var restarted = services.BuildServiceProvider();
        Assert.Null(await restarted.GetRequiredService<SearchTokenIssuer>().AuthorizationAsync(CancellationToken.None));
        Task<Removal?> lane;
        using (await restarted.GetRequiredService<SearchQueue>().EnterAsync(CancellationToken.None))
        {
            lane = restarted.GetRequiredService<RemovalLane>().RunOnceAsync(CancellationToken.None);
            var exclusions = restarted.GetRequiredService<SearchExclusions>();
            await Poll.UntilAsync(() => Task.FromResult(exclusions.Snapshot().Loaded), "the lane to load the exclusions", TimeSpan.FromSeconds(30));
            Assert.Equal([withdrawn], exclusions.Snapshot().ListingIds);
            var header = await restarted.GetRequiredService<SearchTokenIssuer>().AuthorizationAsync(CancellationToken.None);
            Assert.NotNull(header);
            var seen = await SeenAsync(indexer, header["Bearer ".Length..]);
            Assert.Equal(ids.Skip(1).ToHashSet(), seen.Hits);
            Assert.NotEmpty(await indexer.Search.DocsOfAsync(withdrawn));
        }
        Assert.NotNull(await lane);
    }

    private static string DecodePayload(string jwt)
    {
        var p = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(p + new string('=', (4 - p.Length % 4) % 4)));
    }
}
