namespace Atlas.Indexer.Meilisearch;

/// <summary>
/// Index settings for <c>PATCH /indexes/{uid}/settings</c>. Null members are not sent, so they keep their current
/// value (PATCH semantics); to reset a setting use the dedicated DELETE route.
/// </summary>
public sealed record IndexSettings
{
    public IReadOnlyList<string>? SearchableAttributes { get; init; }

    public IReadOnlyList<string>? DisplayedAttributes { get; init; }

    public IReadOnlyList<string>? FilterableAttributes { get; init; }

    public IReadOnlyList<string>? SortableAttributes { get; init; }

    public IReadOnlyList<string>? RankingRules { get; init; }

    public IReadOnlyList<string>? StopWords { get; init; }

    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Synonyms { get; init; }

    public string? DistinctAttribute { get; init; }

    public FacetingSettings? Faceting { get; init; }

    public PaginationSettings? Pagination { get; init; }

    /// <summary>Whether <c>POST /indexes/{uid}/facet-search</c> works (Meilisearch ≥ 1.12); off saves indexing work.</summary>
    public bool? FacetSearch { get; init; }

    /// <summary><c>indexingTime</c> (prefix matches of the last query word, built while indexing) or <c>disabled</c>.</summary>
    public string? PrefixSearch { get; init; }
}

public sealed record FacetingSettings
{
    public int? MaxValuesPerFacet { get; init; }

    /// <summary>facet (or <c>*</c>) → <c>alpha</c> | <c>count</c>.</summary>
    public IReadOnlyDictionary<string, string>? SortFacetValuesBy { get; init; }
}

public sealed record PaginationSettings
{
    public int? MaxTotalHits { get; init; }
}
