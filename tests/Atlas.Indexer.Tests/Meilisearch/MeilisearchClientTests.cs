using System.Net;
using System.Text.Json;
using Atlas.Indexer.Meilisearch;

namespace Atlas.Indexer.Tests.Meilisearch;

[Collection(MeilisearchCollection.Name)]
public sealed class MeilisearchClientTests(MeilisearchFixture meili) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = meili.Url };

    private MeilisearchClient Admin => new(_http, meili.MasterKey);

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Health_and_version_of_the_real_instance()
    {
        Assert.True(await Admin.IsHealthyAsync());
        Assert.Equal("available", (await Admin.GetHealthAsync()).Status);
        Assert.Equal("1.21.0", (await Admin.GetVersionAsync()).PkgVersion);
    }

    [Fact]
    public async Task IsHealthy_is_false_when_nothing_listens()
    {
        using var http = new HttpClient { BaseAddress = FreePort.NextLoopbackUrl(), Timeout = TimeSpan.FromSeconds(5) };
        Assert.False(await new MeilisearchClient(http, "key").IsHealthyAsync());
    }

    [Fact]
    public async Task Create_index_and_apply_the_organisations_settings()
    {
        var uid = MeilisearchFixture.NewIndexUid("settings");
        var created = await Admin.WaitForTaskAsync(await Admin.CreateIndexAsync(uid, OrganisationIndexSettings.PrimaryKey));
        Assert.Equal(MeilisearchTaskStatus.Succeeded, created.Status);
        Assert.Equal("indexCreation", created.Type);

        var index = await Admin.GetIndexAsync(uid);
        Assert.NotNull(index);
        Assert.Equal("doc_id", index.PrimaryKey);

        var settingsTask = await Admin.WaitForTaskAsync(await Admin.UpdateSettingsAsync(uid, OrganisationIndexSettings.Settings));
        Assert.Equal("settingsUpdate", settingsTask.Type);

        var settings = await Admin.GetSettingsAsync(uid);
        var expected = OrganisationIndexSettings.Settings;
        Assert.Equal(expected.SearchableAttributes, settings.SearchableAttributes);
        Assert.Equal(expected.FilterableAttributes!.Order(), settings.FilterableAttributes!.Order());
        Assert.Equal(expected.SortableAttributes!.Order(), settings.SortableAttributes!.Order());
        Assert.Null(settings.DistinctAttribute);
        Assert.Equal(expected.Faceting!.MaxValuesPerFacet, settings.Faceting?.MaxValuesPerFacet);
        Assert.Equal(expected.FacetSearch, settings.FacetSearch);
        Assert.Equal(expected.PrefixSearch, settings.PrefixSearch);
        Assert.Equal(100_000, settings.Pagination?.MaxTotalHits);

        await Admin.WaitForTaskAsync(await Admin.DeleteIndexAsync(uid));
        Assert.Null(await Admin.GetIndexAsync(uid));
    }

    [Fact]
    public async Task Add_batch_succeeds_and_documents_are_stored()
    {
        var uid = MeilisearchFixture.NewIndexUid("add");
        await Admin.WaitForTaskAsync(await Admin.CreateIndexAsync(uid, "doc_id"));

        var info = await Admin.AddOrReplaceDocumentsAsync(uid, TestOrgs.All, TestDocumentsJsonContext.Default.TestOrgDocument);
        Assert.Equal(uid, info.IndexUid);
        Assert.Equal("documentAdditionOrUpdate", info.Type);

        var task = await Admin.WaitForTaskAsync(info);
        Assert.Equal(MeilisearchTaskStatus.Succeeded, task.Status);
        Assert.Equal(TestOrgs.All.Count, task.Details!.Value.GetProperty("indexedDocuments").GetInt32());
        Assert.NotNull(task.FinishedAt);

        Assert.Equal(TestOrgs.All.Count, (await Admin.GetIndexStatsAsync(uid)).NumberOfDocuments);
        var doc = await Admin.GetDocumentAsync(uid, $"{TestOrgs.LegalAidId}_1");
        Assert.NotNull(doc);
        Assert.Equal("Munich", doc.Value.GetProperty("city").GetString());
        Assert.Equal(48.1372, doc.Value.GetProperty("_geo").GetProperty("lat").GetDouble(), 4);
    }

    [Fact]
    public async Task Search_with_filter_and_facets()
    {
        var uid = await TestOrgs.SeedAsync(Admin);

        var result = await Admin.SearchAsync(uid, new SearchQuery
        {
            Filter = "country = DE",
            Facets = ["focus", "country"],
        });

        Assert.Equal(3, result.EstimatedTotalHits);
        Assert.Equal(
            [$"{TestOrgs.LegalAidId}_0", $"{TestOrgs.LegalAidId}_1", $"{TestOrgs.ShelterId}_0"],
            result.Hits.Select(h => h.GetProperty("doc_id").GetString()).Order());
        Assert.NotNull(result.FacetDistribution);
        Assert.Equal(2, result.FacetDistribution["focus"]["legal-aid"]);
        Assert.Equal(1, result.FacetDistribution["focus"]["shelter"]);
        Assert.Equal(3, result.FacetDistribution["country"]["DE"]);

        // Array form: outer AND, inner OR.
        var anyOf = await Admin.SearchAsync(uid, new SearchQuery
        {
            Filter = SearchFilter.AndOfOrs([["focus = shelter", "focus = psych-support"], ["online = true"]]),
        });
        Assert.Equal([$"{TestOrgs.OnlineId}_0"], anyOf.Hits.Select(h => h.GetProperty("doc_id").GetString()));

        var text = await Admin.SearchAsync(uid, new SearchQuery { Q = "deserters", AttributesToRetrieve = ["doc_id"] });
        var hit = Assert.Single(text.Hits);
        Assert.Equal($"{TestOrgs.OnlineId}_0", hit.GetProperty("doc_id").GetString());
        Assert.False(hit.TryGetProperty("name", out _));
    }

    [Fact]
    public async Task Search_hits_deserialize_to_a_caller_type()
    {
        var uid = await TestOrgs.SeedAsync(Admin);
        var result = await Admin.SearchAsync(
            uid,
            new SearchQuery { Filter = SearchFilter.AllOf("country = LT", "online = false"), Sort = ["updated_at:desc"] },
            TestDocumentsJsonContext.Default.TestOrgDocument);

        var hit = Assert.Single(result.Hits);
        Assert.Equal(TestOrgs.VilniusId, hit.ListingId);
        Assert.Equal("Refuge Vilnius", hit.Name["en"]);
        Assert.Equal(["shelter", "legal-aid"], hit.Focus);
        Assert.Equal(54.6872, hit.Geo!.Lat, 4);
    }

    [Fact]
    public async Task Geo_bounding_box_and_radius()
    {
        var uid = await TestOrgs.SeedAsync(Admin);

        var box = await Admin.SearchAsync(uid, new SearchQuery
        {
            Filter = SearchFilter.GeoBoundingBox(north: 53.0, east: 14.0, south: 52.0, west: 13.0),
        });
        Assert.Equal(
            [$"{TestOrgs.LegalAidId}_0", $"{TestOrgs.ShelterId}_0"],
            box.Hits.Select(h => h.GetProperty("doc_id").GetString()).Order());

        var near = await Admin.SearchAsync(uid, new SearchQuery
        {
            Filter = SearchFilter.GeoRadius(TestOrgs.Berlin.Lat, TestOrgs.Berlin.Lng, 1_000_000),
            Sort = [FormattableString.Invariant($"_geoPoint({TestOrgs.Berlin.Lat}, {TestOrgs.Berlin.Lng}):asc")],
        });
        Assert.Equal(
            [$"{TestOrgs.LegalAidId}_0", $"{TestOrgs.ShelterId}_0", $"{TestOrgs.LegalAidId}_1", $"{TestOrgs.VilniusId}_0"],
            near.Hits.Select(h => h.GetProperty("doc_id").GetString()));
    }

    [Fact]
    public async Task Distinct_lists_an_organisation_once()
    {
        var uid = await TestOrgs.SeedAsync(Admin);
        var query = new SearchQuery { Filter = "focus = legal-aid", Limit = 20 };

        var all = await Admin.SearchAsync(uid, query);
        Assert.Equal(3, all.Hits.Count(h => h.GetProperty("listing_id").GetString() == TestOrgs.LegalAidId));

        var distinct = await Admin.SearchAsync(uid, query with { Distinct = OrganisationIndexSettings.DistinctAttribute });
        var listings = distinct.Hits.Select(h => h.GetProperty("listing_id").GetString()).ToList();
        Assert.Equal([TestOrgs.LegalAidId, TestOrgs.VilniusId], listings.Order());
    }

    [Fact]
    public async Task Multi_search_answers_each_query_in_order()
    {
        var uid = await TestOrgs.SeedAsync(Admin);
        var result = await Admin.MultiSearchAsync(
        [
            new MultiSearchQuery(uid, new SearchQuery { Filter = "country = UA" }),
            new MultiSearchQuery(uid, new SearchQuery { Filter = "online = true", Facets = ["focus"] }),
        ]);

        Assert.Equal(2, result.Results.Count);
        Assert.All(result.Results, r => Assert.Equal(uid, r.IndexUid));
        Assert.Equal("Kyiv", Assert.Single(result.Results[0].Hits).GetProperty("city").GetString());
        Assert.Equal(1, result.Results[1].FacetDistribution!["focus"]["psych-support"]);
    }

    [Fact]
    public async Task Delete_by_ids_and_by_filter()
    {
        var uid = await TestOrgs.SeedAsync(Admin);

        var byIds = await Admin.WaitForTaskAsync(
            await Admin.DeleteDocumentsAsync(uid, [$"{TestOrgs.ShelterId}_0", $"{TestOrgs.OnlineId}_0"]));
        Assert.Equal(2, byIds.Details!.Value.GetProperty("deletedDocuments").GetInt32());
        Assert.Null(await Admin.GetDocumentAsync(uid, $"{TestOrgs.ShelterId}_0"));
        Assert.NotNull(await Admin.GetDocumentAsync(uid, $"{TestOrgs.VilniusId}_0"));

        await Admin.WaitForTaskAsync(await Admin.DeleteDocumentsByFilterAsync(
            uid, "listing_id = " + SearchFilter.Quote(TestOrgs.LegalAidId)));
        var left = await Admin.FetchDocumentsAsync(uid, new DocumentsQuery { Fields = ["doc_id"], Limit = 100 });
        Assert.Equal([$"{TestOrgs.VilniusId}_0"], left.Results.Select(d => d.GetProperty("doc_id").GetString()));
        Assert.Equal(1, left.Total);
    }

    /// <summary>What the removal lane relies on, checked on the real binary: a cancelation by uid cancels a queued
    /// addition (and records who canceled it), and a deletion by filter is never batched with the additions queued after
    /// it, so it ends before they start. The additions and the deletion wait behind a large write on another index.</summary>
    [Fact]
    public async Task Cancel_by_uid_and_a_deletion_by_filter_runs_in_its_own_batch_before_later_additions()
    {
        var uid = await TestOrgs.SeedAsync(Admin);
        var blocker = MeilisearchFixture.NewIndexUid("blocker");
        var many = Enumerable.Range(0, 20_000).Select(i => JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["id"] = i,
            ["text"] = string.Join(' ', Enumerable.Range(0, 20).Select(k => $"w{(i * 7 + k * 13) % 3000}")),
        })).ToList();
        var block = await Admin.AddOrReplaceDocumentsAsync(blocker, many, "id");
        var doomed = await Admin.AddOrReplaceDocumentsAsync(uid, TestOrgs.All, TestDocumentsJsonContext.Default.TestOrgDocument, "doc_id");
        var deletion = await Admin.DeleteDocumentsByFilterAsync(uid, "listing_id = " + SearchFilter.Quote(TestOrgs.LegalAidId));
        var later = await Admin.AddOrReplaceDocumentsAsync(uid, TestOrgs.All.Where(d => d.ListingId != TestOrgs.LegalAidId), TestDocumentsJsonContext.Default.TestOrgDocument, "doc_id");
        var cancel = await Admin.CancelTasksAsync(new MeilisearchTaskQuery { Uids = [doomed.TaskUid], Statuses = [MeilisearchTaskStatus.Enqueued, MeilisearchTaskStatus.Processing] });
        await Assert.ThrowsAsync<ArgumentException>(() => Admin.CancelTasksAsync(new MeilisearchTaskQuery { Limit = 5 }));

        var canceled = await Assert.ThrowsAsync<MeilisearchTaskFailedException>(() => Admin.WaitForTaskAsync(doomed, TimeSpan.FromMinutes(5)));
        Assert.Equal(MeilisearchTaskStatus.Canceled, canceled.Task.Status);
        Assert.Equal(cancel.TaskUid, canceled.Task.CanceledBy);
        var deleted = await Admin.WaitForTaskAsync(deletion, TimeSpan.FromMinutes(5));
        var added = await Admin.WaitForTaskAsync(later, TimeSpan.FromMinutes(5));
        Assert.NotEqual(deleted.BatchUid, added.BatchUid);
        Assert.True(deleted.FinishedAt <= added.StartedAt);
        Assert.Null(await Admin.GetDocumentAsync(uid, $"{TestOrgs.LegalAidId}_0"));
        await Admin.WaitForTaskAsync(block, TimeSpan.FromMinutes(5));
        await Admin.WaitForTaskAsync(await Admin.DeleteIndexAsync(blocker), TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task Failed_task_surfaces_the_meilisearch_error()
    {
        var uid = MeilisearchFixture.NewIndexUid("fail");
        await Admin.WaitForTaskAsync(await Admin.CreateIndexAsync(uid, "doc_id"));
        using var bad = JsonDocument.Parse("""[{"name": {"en": "no primary key here"}}]""");

        var info = await Admin.AddOrReplaceDocumentsAsync(uid, [bad.RootElement[0]]);
        var ex = await Assert.ThrowsAsync<MeilisearchTaskFailedException>(() => Admin.WaitForTaskAsync(info));

        Assert.Equal(MeilisearchTaskStatus.Failed, ex.Task.Status);
        Assert.Equal("missing_document_id", ex.Code);
        Assert.Equal("invalid_request", ex.Type);
        Assert.StartsWith("https://", ex.Link);
        Assert.Contains("doc_id", ex.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_2xx_answers_throw_with_code_and_type()
    {
        var missing = await Assert.ThrowsAsync<MeilisearchApiException>(
            () => Admin.GetSettingsAsync(MeilisearchFixture.NewIndexUid("missing")));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("index_not_found", missing.Code);
        Assert.Equal("invalid_request", missing.Type);

        var uid = await TestOrgs.SeedAsync(Admin);
        var badFilter = await Assert.ThrowsAsync<MeilisearchApiException>(
            () => Admin.SearchAsync(uid, new SearchQuery { Filter = "scope = local" }));
        Assert.Equal(HttpStatusCode.BadRequest, badFilter.StatusCode);
        Assert.Equal("invalid_search_filter", badFilter.Code);

        var noTask = await Assert.ThrowsAsync<MeilisearchApiException>(() => Admin.GetTaskAsync(999_999_999));
        Assert.Equal("task_not_found", noTask.Code);

        using var wrongKeyHttp = new HttpClient { BaseAddress = meili.Url };
        var wrongKey = await Assert.ThrowsAsync<MeilisearchApiException>(
            () => new MeilisearchClient(wrongKeyHttp, "not-the-key").GetStatsAsync());
        Assert.Equal(HttpStatusCode.Forbidden, wrongKey.StatusCode);
        Assert.Equal("auth", wrongKey.Type);
    }

    [Fact]
    public async Task Search_only_key_can_search_but_not_write()
    {
        var uid = await TestOrgs.SeedAsync(Admin);
        var other = await TestOrgs.SeedAsync(Admin);
        var key = await Admin.CreateSearchKeyAsync([uid], name: "map site", description: "test search key");
        Assert.Equal(["search"], key.Actions);
        Assert.Equal([uid], key.Indexes);
        Assert.Null(key.ExpiresAt);
        Assert.Contains((await Admin.GetKeysAsync(limit: 100)).Results, k => k.Uid == key.Uid);

        using var searchHttp = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = meili.Url };
        var searcher = new MeilisearchClient(searchHttp, key.Key);

        var found = await searcher.SearchAsync(uid, new SearchQuery { Filter = "country = LT" });
        Assert.Single(found.Hits);

        var write = await Assert.ThrowsAsync<MeilisearchApiException>(
            () => searcher.AddOrReplaceDocumentsAsync(uid, TestOrgs.All, TestDocumentsJsonContext.Default.TestOrgDocument));
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Equal("invalid_api_key", write.Code);

        var otherIndex = await Assert.ThrowsAsync<MeilisearchApiException>(
            () => searcher.SearchAsync(other, new SearchQuery()));
        Assert.Equal(HttpStatusCode.Forbidden, otherIndex.StatusCode);

        await Admin.DeleteKeyAsync(key.Uid);
        Assert.Null(await Admin.GetKeyAsync(key.Uid));
        var revoked = await Assert.ThrowsAsync<MeilisearchApiException>(() => searcher.SearchAsync(uid, new SearchQuery()));
        Assert.Equal(HttpStatusCode.Forbidden, revoked.StatusCode);
    }

    [Fact]
    public async Task Swap_indexes_exchanges_their_documents()
    {
        var live = MeilisearchFixture.NewIndexUid("live");
        var staging = MeilisearchFixture.NewIndexUid("staging");
        await Admin.WaitForTaskAsync(await Admin.CreateIndexAsync(live, "doc_id"));
        await Admin.WaitForTaskAsync(await Admin.AddOrReplaceDocumentsAsync(
            live, TestOrgs.All.Take(1), TestDocumentsJsonContext.Default.TestOrgDocument));
        await Admin.WaitForTaskAsync(await Admin.CreateIndexAsync(staging, "doc_id"));
        await Admin.WaitForTaskAsync(await Admin.AddOrReplaceDocumentsAsync(
            staging, TestOrgs.All.Skip(1), TestDocumentsJsonContext.Default.TestOrgDocument));

        var swap = await Admin.WaitForTaskAsync(await Admin.SwapIndexesAsync(live, staging));
        Assert.Equal("indexSwap", swap.Type);

        Assert.Equal(TestOrgs.All.Count - 1, (await Admin.GetIndexStatsAsync(live)).NumberOfDocuments);
        Assert.Equal(1, (await Admin.GetIndexStatsAsync(staging)).NumberOfDocuments);
        Assert.Null(await Admin.GetDocumentAsync(live, TestOrgs.All[0].DocId));
    }

    [Fact]
    public async Task Tasks_can_be_listed_by_index_and_status()
    {
        var uid = await TestOrgs.SeedAsync(Admin);
        var tasks = await Admin.GetTasksAsync(new MeilisearchTaskQuery
        {
            IndexUids = [uid],
            Statuses = [MeilisearchTaskStatus.Succeeded],
            Limit = 10,
        });

        Assert.Equal(3, tasks.Results.Count);
        Assert.All(tasks.Results, t => Assert.Equal(uid, t.IndexUid));
        Assert.Equal(["documentAdditionOrUpdate", "indexCreation", "settingsUpdate"], tasks.Results.Select(t => t.Type).Order());
    }
}
