using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Atlas.Indexer.Meilisearch;
using Atlas.Indexer.Search;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Atlas.Indexer.Tests.Search;

/// <summary>The indexer against a real Meilisearch: contract fields and settings, distinct, tombstones,
/// one task per flush, zero-downtime reindex, search-only key.</summary>
[Collection(IndexerMeilisearchCollection.Name)]
public sealed class MeilisearchTests(MeilisearchFixture meili, ITestOutputHelper output)
{
    private static long Count(SearchResult<JsonElement> result) => result.TotalHits ?? result.EstimatedTotalHits ?? -1;

    private static Task<SearchResult<JsonElement>> Search(TestIndexer indexer, SearchQuery query) =>
        indexer.Search.Client.SearchAsync(indexer.Index, query);

    [Fact]
    public async Task Synced_documents_are_searchable_with_contract_fields_and_settings()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", "Atlas Berlin", indexer.Time);
        var ark = peer.Publish(Orgs.Make("Ковчег", cityCount: 3));
        peer.Publish(Orgs.Make("Other help"));
        await indexer.AddPeerAndSyncAsync(peer);

        var all = await Search(indexer, new SearchQuery { Q = "Ковчег" });
        Assert.Equal(3, Count(all));
        var distinct = await Search(indexer, new SearchQuery { Q = "Ковчег", Distinct = "listing_id" });
        Assert.Equal(1, Count(distinct));
        var tbilisi = await Search(indexer, new SearchQuery { Filter = "city = \"Tbilisi\" AND node = \"berlin\" AND has_contact = true AND endorsed = false" });
        var hit = Assert.Single(tbilisi.Hits);
        Assert.Equal($"{ark}_1", hit.GetProperty("doc_id").GetString());
        Assert.Equal(ark, hit.GetProperty("listing_id").GetString());
        Assert.Equal("Atlas Berlin", hit.GetProperty("node_name").GetString());
        Assert.Equal(41.72, hit.GetProperty("_geo").GetProperty("lat").GetDouble());
        Assert.Equal("berlin", hit.GetProperty("provenance").GetProperty("node").GetString());
        Assert.Equal(peer.Signing.Kid, hit.GetProperty("provenance").GetProperty("kid").GetString());
        Assert.Equal(3, hit.GetProperty("cities").GetArrayLength());
        Assert.False(hit.GetProperty("has_alerts").GetBoolean());
        var near = await Search(indexer, new SearchQuery { Filter = SearchFilter.GeoRadius(52.52, 13.40, 20000), Sort = ["_geoPoint(52.52, 13.40):asc"] });
        Assert.Equal(2, Count(near));

        var settings = await indexer.Search.Client.GetSettingsAsync(indexer.Index);
        var contract = OrganisationIndexSettings.Settings;
        Assert.Equal(contract.FilterableAttributes!.Order(), settings.FilterableAttributes!.Order());
        Assert.Equal(contract.SearchableAttributes, settings.SearchableAttributes);
        Assert.Equal(contract.SortableAttributes!.Order(), settings.SortableAttributes!.Order());
        Assert.Equal(OrganisationIndexSettings.MaxValuesPerFacet, settings.Faceting!.MaxValuesPerFacet);
        Assert.Equal(100_000, settings.Pagination!.MaxTotalHits);
        Assert.Null(settings.DistinctAttribute);
    }

    [Fact]
    public async Task Documents_carry_one_primary_per_organisation_map_cells_and_names_in_every_ui_language()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("tbilisi", "Atlas Tbilisi", indexer.Time);
        var ark = peer.Publish(Orgs.Make("Ark", cityCount: 3));
        var other = peer.Publish(Orgs.Make("Other", cityCount: 2) with { Focus = ["media"] });
        await indexer.AddPeerAndSyncAsync(peer);

        var docs = (await Search(indexer, new SearchQuery { Filter = $"listing_id = \"{ark}\"", Limit = 10 })).Hits
            .OrderBy(d => d.GetProperty("doc_id").GetString(), StringComparer.Ordinal).ToList();
        Assert.Equal(3, docs.Count);
        Assert.Equal([true, false, false], docs.Select(d => d.GetProperty("primary").GetBoolean()));
        var tbilisi = docs[1];
        Assert.Equal(Atlas.Protocol.Geo.MapCells.Id(16, 41.72, 44.79), tbilisi.GetProperty("cell_16").GetString());
        Assert.Equal(Atlas.Protocol.Geo.MapCells.Id(4, 41.72, 44.79), tbilisi.GetProperty("cell_4").GetString());
        var placeNames = tbilisi.GetProperty("place_names").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("Тбілісі", placeNames);
        Assert.Contains("Грузия", placeNames);
        Assert.Contains("Berlin|legal-aid", tbilisi.GetProperty("city_focus").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("Rechtshilfe", tbilisi.GetProperty("focus_labels").EnumerateArray().Select(e => e.GetString()));

        // every spelling finds the same organisations (distinct per organisation)
        foreach (var q in new[] { "Тбилиси", "Тбілісі", "Tiflis", "Tbilisi", "Tbilsi" })
        {
            var found = await Search(indexer, new SearchQuery { Q = q, Distinct = "listing_id", MatchingStrategy = "all" });
            Assert.Equal(new[] { ark, other }.Order(StringComparer.Ordinal), found.Hits.Select(h => h.GetProperty("listing_id").GetString()!).Order(StringComparer.Ordinal));
        }
        foreach (var q in new[] { "юридическая помощь", "юрист", "правова допомога", "Rechtshilfe", "legal aid" })
        {
            var found = await Search(indexer, new SearchQuery { Q = q, Distinct = "listing_id", MatchingStrategy = "all" });
            Assert.Equal([ark], found.Hits.Select(h => h.GetProperty("listing_id").GetString()));
        }

        // organisation counts: facets over the primary documents count each organisation once
        var counts = await Search(indexer, new SearchQuery { Filter = "primary = true", Limit = 0, Facets = ["cities", "focus", "primary"] });
        var dist = counts.FacetDistribution!;
        Assert.Equal(2, dist["primary"]["true"]);
        Assert.Equal(2, dist["cities"]["Berlin"]);
        Assert.Equal(1, dist["cities"]["Yerevan"]);
        Assert.Equal(1, dist["focus"]["media"]);
        Assert.Equal(2, dist["cities"]["Tbilisi"]);
    }

    [Fact]
    public async Task Flush_is_one_documents_task_and_tombstones_leave_search()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("paris", time: indexer.Time);
        var ids = peer.PublishMany(50, i => Orgs.Make($"Org {i}", cityCount: 2));
        await indexer.AddPeerAndSyncAsync(peer);
        Assert.Equal(1, await indexer.Search.UpsertTasksAsync());
        Assert.Equal(100, Count(await Search(indexer, new SearchQuery())));

        foreach (var id in ids.Take(10))
        {
            peer.Update(id, o => o with { Description = new Dictionary<string, string> { ["en"] = "Updated." } });
        }
        peer.Update(ids[10], o => o with { Locations = o.Locations.Take(1).ToList() });
        var withdrawn = ids[11];
        peer.Withdraw(withdrawn);
        Assert.True((await indexer.SyncOneAsync(peer)).Ok);

        Assert.Equal(2, await indexer.Search.UpsertTasksAsync());
        Assert.Equal(1, await indexer.Search.TaskCountAsync("documentDeletion"));
        Assert.Empty(await indexer.Search.DocsOfAsync(withdrawn));
        Assert.Single(await indexer.Search.DocsOfAsync(ids[10]));
        Assert.Equal(97, Count(await Search(indexer, new SearchQuery())));
    }

    [Fact]
    public async Task Reindex_swaps_in_a_rebuilt_index_with_zero_downtime()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("yerevan", time: indexer.Time);
        peer.PublishMany(300, i => Orgs.Make($"Org {i}"));
        await indexer.AddPeerAndSyncAsync(peer);

        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var searches = 0;
        var searching = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var hits = Count(await Search(indexer, new SearchQuery { Q = "Org", Limit = 1 }));
                    if (hits != 300)
                    {
                        failures.Add($"{hits} hits");
                    }
                }
                catch (MeilisearchException e)
                {
                    failures.Add(e.Message);
                }
                searches++;
            }
        });
        var sw = Stopwatch.StartNew();
        var docs = await indexer.Services.GetRequiredService<Reindexer>().ReindexAsync(CancellationToken.None);
        await Task.Delay(100);
        await stop.CancelAsync();
        await searching;
        output.WriteLine($"reindex of {docs} docs took {sw.ElapsedMilliseconds} ms; {searches} searches during it");

        Assert.Equal(300, docs);
        Assert.True(searches > 5, $"only {searches} searches ran");
        Assert.Empty(failures);
        var indexes = (await indexer.Search.Client.GetIndexesAsync(limit: 1000)).Results.Select(i => i.Uid).ToList();
        Assert.Contains(indexer.Index, indexes);
        Assert.DoesNotContain(indexes, uid => uid.StartsWith($"{indexer.Index}_rebuild", StringComparison.Ordinal));
        Assert.Equal(300, (await indexer.Search.DocsAsync()).Count);
    }

    [Fact]
    public async Task Search_key_can_search_this_index_and_cannot_write()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("tbilisi", time: indexer.Time);
        peer.Publish(Orgs.Make("Findable"));
        await indexer.AddPeerAndSyncAsync(peer);

        var key = await indexer.Services.GetRequiredService<SearchIndexWriter>().CreateSearchKeyAsync(indexer.Index, CancellationToken.None);
        Assert.NotEqual(meili.MasterKey, key);
        using var http = new HttpClient { BaseAddress = meili.Url, Timeout = TimeSpan.FromSeconds(10) };
        var client = new MeilisearchClient(http, key);

        Assert.Equal(1, Count(await client.SearchAsync(indexer.Index, new SearchQuery { Q = "Findable" })));
        var write = await Assert.ThrowsAsync<MeilisearchApiException>(() =>
            client.AddOrReplaceDocumentsJsonAsync(indexer.Index, """[{"doc_id":"x"}]"""u8.ToArray()));
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        var settings = await Assert.ThrowsAsync<MeilisearchApiException>(() => client.UpdateSettingsAsync(indexer.Index, new IndexSettings()));
        Assert.Equal(HttpStatusCode.Forbidden, settings.StatusCode);
        var other = await Assert.ThrowsAsync<MeilisearchApiException>(() => client.SearchAsync("other", new SearchQuery()));
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
    }
}
