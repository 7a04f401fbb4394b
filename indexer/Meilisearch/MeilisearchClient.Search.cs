using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Atlas.Indexer.Meilisearch;

public sealed partial class MeilisearchClient
{
    /// <summary>POST /indexes/{uid}/search; hits as raw JSON.</summary>
    public Task<SearchResult<JsonElement>> SearchAsync(
        string indexUid,
        SearchQuery query,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return SendAsync(
            HttpMethod.Post,
            IndexPath(indexUid, "search"),
            query.AsPlainQuery(),
            MeilisearchJsonContext.Default.SearchQuery,
            MeilisearchJsonContext.Default.SearchResultJsonElement,
            cancellationToken);
    }

    /// <summary>POST /indexes/{uid}/search; hits deserialized with the caller's source-generated <paramref name="hitType"/>.</summary>
    public async Task<SearchResult<T>> SearchAsync<T>(
        string indexUid,
        SearchQuery query,
        JsonTypeInfo<T> hitType,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hitType);
        var raw = await SearchAsync(indexUid, query, cancellationToken).ConfigureAwait(false);
        return ConvertHits(raw, hitType);
    }

    /// <summary>POST /multi-search {queries}: one result per query, in order; hits as raw JSON.</summary>
    public async Task<MultiSearchResult<JsonElement>> MultiSearchAsync(
        IEnumerable<MultiSearchQuery> queries,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var list = queries.ToList();
        foreach (var query in list)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(query.IndexUid, nameof(queries));
        }

        return await SendAsync(
                HttpMethod.Post,
                "multi-search",
                new MultiSearchRequest(list),
                MeilisearchJsonContext.Default.MultiSearchRequest,
                MeilisearchJsonContext.Default.MultiSearchResultJsonElement,
                cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>POST /multi-search with hits deserialized as <typeparamref name="T"/>.</summary>
    public async Task<MultiSearchResult<T>> MultiSearchAsync<T>(
        IEnumerable<MultiSearchQuery> queries,
        JsonTypeInfo<T> hitType,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hitType);
        var raw = await MultiSearchAsync(queries, cancellationToken).ConfigureAwait(false);
        return new MultiSearchResult<T> { Results = [.. raw.Results.Select(r => ConvertHits(r, hitType))] };
    }

    private static SearchResult<T> ConvertHits<T>(SearchResult<JsonElement> raw, JsonTypeInfo<T> hitType) =>
        new()
        {
            Hits = [.. raw.Hits.Select(h => h.Deserialize(hitType)!)],
            IndexUid = raw.IndexUid,
            Query = raw.Query,
            ProcessingTimeMs = raw.ProcessingTimeMs,
            Limit = raw.Limit,
            Offset = raw.Offset,
            EstimatedTotalHits = raw.EstimatedTotalHits,
            TotalHits = raw.TotalHits,
            TotalPages = raw.TotalPages,
            Page = raw.Page,
            HitsPerPage = raw.HitsPerPage,
            FacetDistribution = raw.FacetDistribution,
            FacetStats = raw.FacetStats,
        };
}
