using Atlas.Indexer.Meilisearch;
using Atlas.Indexer.Search;
using Microsoft.Extensions.DependencyInjection;

namespace Atlas.Indexer.Tests.Search;

/// <summary>The indexer's writer (as the indexer wires it) against a real Meilisearch: failures surface, the
/// contract settings win over what an index had, idempotent index housekeeping, health.</summary>
[Collection(IndexerMeilisearchCollection.Name)]
public sealed class SearchIndexWriterTests(MeilisearchFixture meili)
{
    private static SearchIndexWriter Writer(TestIndexer indexer) => indexer.Services.GetRequiredService<SearchIndexWriter>();

    [Fact]
    public async Task Ensure_index_applies_the_contract_over_an_index_with_a_distinct_attribute_and_is_idempotent()
    {
        await using var indexer = new TestIndexer(meili);
        var client = indexer.Search.Client;
        await client.WaitForTaskAsync(await client.CreateIndexAsync(indexer.Index, "doc_id"));
        await client.WaitForTaskAsync(await client.UpdateSettingsAsync(indexer.Index, new IndexSettings { DistinctAttribute = "listing_id" }));

        await Writer(indexer).EnsureIndexAsync(indexer.Index, CancellationToken.None);
        await Writer(indexer).EnsureIndexAsync(indexer.Index, CancellationToken.None);

        var settings = await client.GetSettingsAsync(indexer.Index);
        Assert.Null(settings.DistinctAttribute);
        Assert.Equal(OrganisationIndexSettings.Settings.FilterableAttributes!.Order(), settings.FilterableAttributes!.Order());
        // Tuned for what the site asks (OrganisationIndexSettings): no facet search, prefix search kept.
        Assert.False(settings.FacetSearch);
        Assert.Equal("indexingTime", settings.PrefixSearch);
        Assert.Equal("doc_id", (await client.GetIndexAsync(indexer.Index))!.PrimaryKey);
        Assert.Equal(1, await indexer.Search.TaskCountAsync("indexCreation"));
    }

    [Fact]
    public async Task The_signed_index_is_fetched_by_filter_only_so_it_keeps_neither_facet_search_nor_prefixes()
    {
        await using var indexer = new TestIndexer(meili);
        var signed = SignedIndexSettings.UidFor(indexer.Index);
        await Writer(indexer).EnsureSignedIndexAsync(signed, CancellationToken.None);
        var settings = await indexer.Search.Client.GetSettingsAsync(signed);
        Assert.False(settings.FacetSearch);
        Assert.Equal("disabled", settings.PrefixSearch);
        Assert.Empty(settings.SearchableAttributes!);
        Assert.Equal("signed_id", (await indexer.Search.Client.GetIndexAsync(signed))!.PrimaryKey);

        // What the card does still works (fetch by filter); the ids are no longer words anyone can search for.
        await Writer(indexer).UpsertSignedAsync(signed, [SignedDocument.ForListing("l_1", "berlin", "h.p.s"), SignedDocument.ForListing("l_2", "berlin", "h.q.s")], CancellationToken.None);
        var byFilter = await indexer.Search.Client.SearchAsync(signed, new SearchQuery { Q = "", Filter = "signed_id IN [\"l_1\"]" });
        Assert.Equal(["l_1"], byFilter.Hits.Select(h => h.GetProperty("signed_id").GetString()));
        var byText = await indexer.Search.Client.SearchAsync(signed, new SearchQuery { Q = "l_1" });
        Assert.Empty(byText.Hits);
    }

    [Fact]
    public async Task A_failed_task_throws_with_the_engine_error()
    {
        await using var indexer = new TestIndexer(meili);
        var client = indexer.Search.Client;
        // An index keyed on another attribute: every document of ours lacks it, so the addition task fails.
        await client.WaitForTaskAsync(await client.CreateIndexAsync(indexer.Index, "id"));
        var document = new SearchDocument(
            "l_0", "l", "berlin", "Atlas Berlin", new Dictionary<string, string> { ["en"] = "X" }, new Dictionary<string, string>(), [], [],
            null, null, [], [], new PlaceDoc("online", null, null, null, null, null), null, true, [], false, false, null, [], [], "active",
            "local", "2026-01-01", "2027-01-01", new ProvenanceDoc("berlin", "Atlas Berlin", 1, "h", "k", "2026-01-01T00:00:00Z"), [], false, [], false, 0,
            true, [], [], [], null, null, null, null, null, null, null);

        var failure = await Assert.ThrowsAsync<MeilisearchTaskFailedException>(() =>
            Writer(indexer).UpsertDocumentsAsync(indexer.Index, [document], CancellationToken.None));

        Assert.Equal(MeilisearchTaskStatus.Failed, failure.Task.Status);
        Assert.NotNull(failure.Code);
        Assert.Empty(await indexer.Search.DocsAsync());
    }

    [Fact]
    public async Task Deleting_a_missing_index_is_not_an_error_and_health_follows_the_engine()
    {
        await using var indexer = new TestIndexer(meili);
        var writer = Writer(indexer);

        Assert.False(await writer.IndexExistsAsync(indexer.Index, CancellationToken.None));
        await writer.DeleteIndexAsync(indexer.Index, CancellationToken.None);
        Assert.True(await writer.IsHealthyAsync(CancellationToken.None));

        await using var unreachable = new TestIndexer(meili, new() { ["Indexer:MeilisearchUrl"] = FreePort.NextLoopbackUrl().ToString() });
        Assert.False(await Writer(unreachable).IsHealthyAsync(CancellationToken.None));
    }
}
