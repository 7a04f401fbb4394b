using System.Text.Json.Serialization;

namespace Atlas.Indexer.Meilisearch;

/// <summary>Body of <c>POST /indexes/{uid}/search</c>; null members are not sent.</summary>
public record SearchQuery
{
    public string? Q { get; init; }

    public SearchFilter? Filter { get; init; }

    /// <summary>Attributes to return a facet distribution for (must be filterable).</summary>
    public IReadOnlyList<string>? Facets { get; init; }

    /// <summary>e.g. <c>updated_at:desc</c>, <c>_geoPoint(52.5, 13.4):asc</c>.</summary>
    public IReadOnlyList<string>? Sort { get; init; }

    public int? Limit { get; init; }

    public int? Offset { get; init; }

    public int? Page { get; init; }

    public int? HitsPerPage { get; init; }

    public IReadOnlyList<string>? AttributesToRetrieve { get; init; }

    public IReadOnlyList<string>? AttributesToHighlight { get; init; }

    public IReadOnlyList<string>? AttributesToCrop { get; init; }

    /// <summary>Per-query distinct attribute, e.g. <c>listing_id</c> (must be filterable).</summary>
    public string? Distinct { get; init; }

    public bool? ShowRankingScore { get; init; }

    /// <summary><c>last</c>, <c>all</c> or <c>frequency</c>.</summary>
    public string? MatchingStrategy { get; init; }

    public IReadOnlyList<string>? Locales { get; init; }

    /// <summary>This query without the members of derived types (the single-index endpoint rejects unknown fields).</summary>
    internal SearchQuery AsPlainQuery() => GetType() == typeof(SearchQuery) ? this : new SearchQuery(this);
}

/// <summary>One query of <c>POST /multi-search</c>: a <see cref="SearchQuery"/> naming its index.</summary>
public sealed record MultiSearchQuery : SearchQuery
{
    [JsonConstructor]
    public MultiSearchQuery()
    {
    }

    public MultiSearchQuery(string indexUid, SearchQuery query)
        : base(query)
    {
        IndexUid = indexUid;
    }

    public string IndexUid { get; init; } = "";
}

internal sealed record MultiSearchRequest(IReadOnlyList<MultiSearchQuery> Queries);

/// <summary>min/max of a numeric facet.</summary>
public sealed record FacetStats(double Min, double Max);

/// <summary>A search answer; hits are <see cref="System.Text.Json.JsonElement"/> or a caller type.</summary>
public sealed record SearchResult<T>
{
    public IReadOnlyList<T> Hits { get; init; } = [];

    /// <summary>Set in multi-search answers.</summary>
    public string? IndexUid { get; init; }

    public string? Query { get; init; }

    public long ProcessingTimeMs { get; init; }

    public int? Limit { get; init; }

    public int? Offset { get; init; }

    /// <summary>With offset/limit pagination.</summary>
    public long? EstimatedTotalHits { get; init; }

    /// <summary>With page/hitsPerPage pagination.</summary>
    public long? TotalHits { get; init; }

    public int? TotalPages { get; init; }

    public int? Page { get; init; }

    public int? HitsPerPage { get; init; }

    /// <summary>facet → value → count.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>>? FacetDistribution { get; init; }

    public IReadOnlyDictionary<string, FacetStats>? FacetStats { get; init; }
}

/// <summary>The answer of <c>POST /multi-search</c>: one result per query, in order.</summary>
public sealed record MultiSearchResult<T>
{
    public IReadOnlyList<SearchResult<T>> Results { get; init; } = [];
}
