using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Atlas.Indexer.Search;
using Atlas.Indexer.Tests.Infrastructure;
using Atlas.Indexer.Tests.Peers;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Atlas.Indexer.Tests.Search;

/// <summary>The indexer against a real Meilisearch: contract fields and settings, distinct, tombstones,
/// one task per flush, zero-downtime reindex, search-only key.</summary>
[Collection(MeiliCollection.Name)]
public sealed class MeilisearchTests(MeiliProcess meili, ITestOutputHelper output)
{
    private static long Count(JsonElement result) =>
        result.TryGetProperty("totalHits", out var t) ? t.GetInt64() : result.GetProperty("estimatedTotalHits").GetInt64();

    private async Task<long> DocumentTasks(string index, string type) =>
        (await meili.GetAsync($"tasks?indexUids={index}&types={type}&limit=1000")).GetProperty("results").GetArrayLength();

    [Fact]
    public async Task Synced_documents_are_searchable_with_contract_fields_and_settings()
    {
        var index = MeiliProcess.NewIndex();
        await using var indexer = new TestIndexer(meili.Settings(index), realSearch: true);
        await using var peer = await FakePeer.StartAsync("berlin", "Atlas Berlin", indexer.Time);
        var ark = peer.Publish(Orgs.Make("Ковчег", cityCount: 3));
        peer.Publish(Orgs.Make("Other help"));
        indexer.AddPeer(peer);

        Assert.True((await indexer.SyncOneAsync(peer)).Ok);

        var all = await meili.SearchAsync(index, """{"q":"Ковчег"}""");
        Assert.Equal(3, Count(all));
        var distinct = await meili.SearchAsync(index, """{"q":"Ковчег","distinct":"listing_id"}""");
        Assert.Equal(1, Count(distinct));
        var tbilisi = await meili.SearchAsync(index, """{"filter":"city = \"Tbilisi\" AND node = \"berlin\" AND has_contact = true AND endorsed = false"}""");
        var hit = Assert.Single(tbilisi.GetProperty("hits").EnumerateArray());
        Assert.Equal($"{ark}_1", hit.GetProperty("doc_id").GetString());
        Assert.Equal(ark, hit.GetProperty("listing_id").GetString());
        Assert.Equal("Atlas Berlin", hit.GetProperty("node_name").GetString());
        Assert.Equal(41.72, hit.GetProperty("_geo").GetProperty("lat").GetDouble());
        Assert.Equal("berlin", hit.GetProperty("provenance").GetProperty("node").GetString());
        Assert.Equal(peer.Signing.Kid, hit.GetProperty("provenance").GetProperty("kid").GetString());
        Assert.Equal(3, hit.GetProperty("cities").GetArrayLength());
        Assert.False(hit.GetProperty("has_alerts").GetBoolean());
        var near = await meili.SearchAsync(index, """{"filter":"_geoRadius(52.52, 13.40, 20000)","sort":["_geoPoint(52.52, 13.40):asc"]}""");
        Assert.Equal(2, Count(near));

        var settings = await meili.GetAsync($"indexes/{index}/settings");
        Assert.Equal(IndexSettings.Filterable.Order(), settings.GetProperty("filterableAttributes").EnumerateArray().Select(e => e.GetString()!).Order());
        Assert.Equal(IndexSettings.Searchable, settings.GetProperty("searchableAttributes").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(1000, settings.GetProperty("faceting").GetProperty("maxValuesPerFacet").GetInt32());
        Assert.Equal(100_000, settings.GetProperty("pagination").GetProperty("maxTotalHits").GetInt32());
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("distinctAttribute").ValueKind);
    }

    [Fact]
    public async Task Flush_is_one_documents_task_and_tombstones_leave_search()
    {
        var index = MeiliProcess.NewIndex();
        await using var indexer = new TestIndexer(meili.Settings(index), realSearch: true);
        await using var peer = await FakePeer.StartAsync("paris", time: indexer.Time);
        var ids = peer.PublishMany(50, i => Orgs.Make($"Org {i}", cityCount: 2));
        indexer.AddPeer(peer);
        Assert.True((await indexer.SyncOneAsync(peer)).Ok);
        Assert.Equal(1, await DocumentTasks(index, "documentAdditionOrUpdate"));
        Assert.Equal(100, Count(await meili.SearchAsync(index, "{}")));

        foreach (var id in ids.Take(10))
        {
            peer.Update(id, o => o with { Description = new Dictionary<string, string> { ["en"] = "Updated." } });
        }
        peer.Update(ids[10], o => o with { Locations = o.Locations.Take(1).ToList() });
        var withdrawn = ids[11];
        peer.Withdraw(withdrawn);
        Assert.True((await indexer.SyncOneAsync(peer)).Ok);

        Assert.Equal(2, await DocumentTasks(index, "documentAdditionOrUpdate"));
        Assert.Equal(0, Count(await meili.SearchAsync(index, $$"""{"filter":"listing_id = \"{{withdrawn}}\""}""")));
        Assert.Equal(1, Count(await meili.SearchAsync(index, $$"""{"filter":"listing_id = \"{{ids[10]}}\""}""")));
        Assert.Equal(97, Count(await meili.SearchAsync(index, "{}")));
    }

    [Fact]
    public async Task Reindex_swaps_in_a_rebuilt_index_with_zero_downtime()
    {
        var index = MeiliProcess.NewIndex();
        await using var indexer = new TestIndexer(meili.Settings(index), realSearch: true);
        await using var peer = await FakePeer.StartAsync("yerevan", time: indexer.Time);
        peer.PublishMany(300, i => Orgs.Make($"Org {i}"));
        indexer.AddPeer(peer);
        Assert.True((await indexer.SyncOneAsync(peer)).Ok);

        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var searches = 0;
        var searching = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var r = await meili.Http.PostAsync($"indexes/{index}/search", new StringContent("""{"q":"Org","limit":1}""", Encoding.UTF8, "application/json"));
                var text = await r.Content.ReadAsStringAsync();
                if (!r.IsSuccessStatusCode || Count(JsonDocument.Parse(text).RootElement) != 300)
                {
                    failures.Add($"{(int)r.StatusCode}: {text[..Math.Min(200, text.Length)]}");
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
        var indexes = (await meili.GetAsync("indexes?limit=1000")).GetProperty("results").EnumerateArray().Select(e => e.GetProperty("uid").GetString()).ToList();
        Assert.Contains(index, indexes);
        Assert.DoesNotContain(indexes, uid => uid!.StartsWith($"{index}_rebuild", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Search_key_can_search_this_index_and_cannot_write()
    {
        var index = MeiliProcess.NewIndex();
        await using var indexer = new TestIndexer(meili.Settings(index), realSearch: true);
        await using var peer = await FakePeer.StartAsync("tbilisi", time: indexer.Time);
        peer.Publish(Orgs.Make("Findable"));
        indexer.AddPeer(peer);
        Assert.True((await indexer.SyncOneAsync(peer)).Ok);

        var key = await indexer.Services.GetRequiredService<ISearchIndexWriter>().CreateSearchKeyAsync(index, CancellationToken.None);
        Assert.NotEqual(MeiliProcess.MasterKey, key);
        using var client = new HttpClient { BaseAddress = new Uri(meili.Url + "/"), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        Assert.Equal(1, Count(await meili.SearchAsync(index, """{"q":"Findable"}""", client)));
        using var write = await client.PostAsync($"indexes/{index}/documents", new StringContent("""[{"doc_id":"x"}]""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        using var settings = await client.PatchAsync($"indexes/{index}/settings", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, settings.StatusCode);
        using var other = await client.PostAsync("indexes/other/search", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
    }
}
