using Atlas.Indexer.Meilisearch;
using Atlas.Indexer.Search;

namespace Atlas.Indexer.Tests.Infrastructure;

/// <summary>Reads one index of a real Meilisearch back through the indexer's own <see cref="MeilisearchClient"/>
/// (master key): the documents as the indexer wrote them, and the tasks it caused.</summary>
public sealed class SearchProbe : IDisposable
{
    private readonly HttpClient _http;

    public SearchProbe(MeilisearchFixture meili, string index)
    {
        _http = meili.CreateHttpClient();
        Client = new MeilisearchClient(_http, meili.MasterKey);
        Index = index;
    }

    public string Index { get; }

    public MeilisearchClient Client { get; }

    /// <summary>Every document of the index (none while the index does not exist yet), ordered by doc_id.</summary>
    public Task<IReadOnlyList<SearchDocument>> DocsAsync() => FetchAsync(null);

    /// <summary>The documents of one listing, fetched with a <c>listing_id</c> filter, ordered by doc_id.</summary>
    public Task<IReadOnlyList<SearchDocument>> DocsOfAsync(string listingId) =>
        FetchAsync($"listing_id = {SearchFilter.Quote(listingId)}");

    /// <summary>How many tasks of this type (e.g. <c>documentAdditionOrUpdate</c>) ran on the index.</summary>
    public async Task<int> TaskCountAsync(string type) =>
        (await Client.GetTasksAsync(new MeilisearchTaskQuery { IndexUids = [Index], Types = [type], Limit = 1000 })).Results.Count;

    /// <summary>Documents tasks so far: one per flush that had something to upsert.</summary>
    public Task<int> UpsertTasksAsync() => TaskCountAsync("documentAdditionOrUpdate");

    private async Task<IReadOnlyList<SearchDocument>> FetchAsync(string? filter)
    {
        MeilisearchPage<System.Text.Json.JsonElement> page;
        try
        {
            page = await Client.FetchDocumentsAsync(Index, new DocumentsQuery { Filter = filter is null ? null : SearchFilter.Of(filter), Limit = 100_000 });
        }
        catch (MeilisearchApiException e) when (e.Code == "index_not_found")
        {
            return [];
        }
        Assert.True(page.Total <= page.Results.Count, $"{page.Total} documents, only {page.Results.Count} fetched");
        return page.Results
            .Select(d => System.Text.Json.JsonSerializer.Deserialize(d, SearchJsonContext.Default.SearchDocument)!)
            .OrderBy(d => d.DocId, StringComparer.Ordinal)
            .ToList();
    }

    public void Dispose() => _http.Dispose();
}
