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
/// while Meilisearch still holds its documents (the flusher deletes in turn, here only when the test flushes), never
/// filters a listing that was not withdrawn, and lets go of the listing only once search no longer has it or the state
/// shows it again. Beyond its capacity the lane deletes at once.</summary>
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
        var deletions = await indexer.Search.TaskCountAsync("documentDeletion");

        Assert.Equal("withdrawn", await indexer.Services.GetRequiredService<PushHandler>().RelayAsync(peer.Withdraw(withdrawn, publish: false), CancellationToken.None));
        // The lane filters it out and leaves the deletion to the flusher: nothing is deleted or canceled at once.
        Assert.Null(await Lane(indexer).RunOnceAsync(CancellationToken.None));
        Assert.Equal([withdrawn], Exclusions(indexer).Snapshot().ListingIds);
        Assert.Equal(deletions, await indexer.Search.TaskCountAsync("documentDeletion"));

        var during = await SeenAsync(indexer, await TokenAsync(indexer));
        Assert.Equal(ids.Where(i => i != withdrawn).ToHashSet(), during.Hits);
        Assert.Equal(4, during.Listings);
        Assert.Equal(ids.Where(i => i != withdrawn).ToHashSet(), during.Signed);
        Assert.Equal(before.Keysets, during.Keysets);
        // …while the documents are still there (the master key sees them), so the filter is kept.
        Assert.Equal(2, (await indexer.Search.DocsOfAsync(withdrawn)).Count);
        Assert.Equal(0, await Lane(indexer).ReleaseExclusionsAsync(CancellationToken.None));
        Assert.Single(Exclusions(indexer).Snapshot().ListingIds);

        // The flusher deletes in turn; then the filter lets go.
        await indexer.FlushAsync();
        Assert.Empty(await indexer.Search.DocsOfAsync(withdrawn));
        Assert.Equal(1, await Lane(indexer).ReleaseExclusionsAsync(CancellationToken.None));
        Assert.Empty(Exclusions(indexer).Snapshot().ListingIds);
        var token = await TokenAsync(indexer);
        Assert.DoesNotContain("NOT listing_id", DecodePayload(token), StringComparison.Ordinal);
        var after = await SeenAsync(indexer, token);
        Assert.Equal(ids.Where(i => i != withdrawn).ToHashSet(), after.Hits);
        Assert.Equal(ids.Where(i => i != withdrawn).ToHashSet(), after.Signed);
    }

    [Fact]
    public async Task Beyond_the_filters_capacity_the_lane_deletes_at_once()
    {
        await using var indexer = new TestIndexer(meili, new() { ["Indexer:MaxExcludedListings"] = "1" });
        await using var peer = await FakePeer.StartAsync("tbilisi", time: indexer.Time);
        var ids = peer.PublishMany(4, i => Orgs.Make($"Org {i}"));
        await indexer.AddPeerAndSyncAsync(peer);
        foreach (var id in ids.Take(2))
        {
            Assert.Equal("withdrawn", await indexer.Services.GetRequiredService<PushHandler>().RelayAsync(peer.Withdraw(id, publish: false), CancellationToken.None));
        }
        var removal = await Lane(indexer).RunOnceAsync(CancellationToken.None);
        var excluded = Assert.Single(Exclusions(indexer).Snapshot().ListingIds);
        Assert.NotNull(removal);
        Assert.Equal(ids.Take(2).Single(id => id != excluded), Assert.Single(removal.ListingIds));
        foreach (var task in removal.TaskUids)
        {
            await indexer.Search.Client.WaitForTaskAsync(task, TimeSpan.FromMinutes(2));
        }
        Assert.Equal(ids.Skip(2).ToHashSet(), (await SeenAsync(indexer, await TokenAsync(indexer))).Hits);
        await indexer.FlushAsync();
        Assert.Equal(1, await Lane(indexer).ReleaseExclusionsAsync(CancellationToken.None));
        Assert.Equal(ids.Skip(2).ToHashSet(), (await SeenAsync(indexer, await TokenAsync(indexer))).Hits);
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
        var all = new[] { berlin }.Concat(paris).Order(StringComparer.Ordinal).ToList();

        // An edit: queued in the outbox with documents in search, but shown: never excluded.
        other.Update(berlin, o => o with { Description = new Dictionary<string, string> { ["en"] = "Edited." } });
        await indexer.Services.GetRequiredService<Atlas.Indexer.Sync.SyncRunner>().SyncAllOnceAsync(CancellationToken.None);
        Assert.Null(await Lane(indexer).RunOnceAsync(CancellationToken.None));
        Assert.Empty(Exclusions(indexer).Snapshot().ListingIds);
        await indexer.FlushAsync();

        // Hidden: filtered out at once…
        Assert.True(indexer.Store.Write(s => s.Peers.Hide("paris", "feed head expired")));
        Assert.Null(await Lane(indexer).RunOnceAsync(CancellationToken.None));
        Assert.Equal(paris.Order(StringComparer.Ordinal), Exclusions(indexer).Snapshot().ListingIds.Order(StringComparer.Ordinal));
        Assert.Equal([berlin], (await SeenAsync(indexer, await TokenAsync(indexer))).Hits);
        // …shown again before Meilisearch deleted anything: released although its documents are still in search, so
        // the filter never hides a listing the state shows.
        var pass = await indexer.Services.GetRequiredService<Atlas.Indexer.Sync.SyncRunner>().SyncAllOnceAsync(CancellationToken.None);
        Assert.All(pass, r => Assert.True(r.Ok, r.Error));
        Assert.Equal(2, await Lane(indexer).ReleaseExclusionsAsync(CancellationToken.None));
        Assert.Empty(Exclusions(indexer).Snapshot().ListingIds);
        Assert.Equal(all, (await SeenAsync(indexer, await TokenAsync(indexer))).Hits.Order(StringComparer.Ordinal));
        await indexer.FlushAsync();
        Assert.Equal(all, (await SeenAsync(indexer, await TokenAsync(indexer))).Hits.Order(StringComparer.Ordinal));
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
        var issuer = restarted.GetRequiredService<SearchTokenIssuer>();
        Assert.Null(await issuer.AuthorizationAsync(CancellationToken.None));
        Assert.Null(await restarted.GetRequiredService<RemovalLane>().RunOnceAsync(CancellationToken.None));
        Assert.Equal([withdrawn], restarted.GetRequiredService<SearchExclusions>().Snapshot().ListingIds);
        var header = await issuer.AuthorizationAsync(CancellationToken.None);
        Assert.NotNull(header);
        Assert.Equal(ids.Skip(1).ToHashSet(), (await SeenAsync(indexer, header["Bearer ".Length..])).Hits);
        Assert.NotEmpty(await indexer.Search.DocsOfAsync(withdrawn));
    }

    private static string DecodePayload(string jwt)
    {
        var p = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(p + new string('=', (4 - p.Length % 4) % 4)));
    }
}
