namespace Atlas.Indexer.Meilisearch;

/// <summary>
/// The signed index beside the organisations index (docs/search-documents.md, "Signed index"): one document per
/// listing (its JWS) and one per node (its keyset chain), primary key <c>signed_id</c>. Its uid is the organisations
/// index uid + <see cref="Suffix"/>, so the proxy and the map site derive it from the one configured index name.
/// Nothing is searchable: the index is only ever fetched by filter, so neither the JWS text nor the ids are tokenised.
/// </summary>
public static class SignedIndexSettings
{
    public const string Suffix = "-signed";

    public const string PrimaryKey = "signed_id";

    public static string UidFor(string organisationsIndex) => organisationsIndex + Suffix;

    public static IndexSettings Settings { get; } = new()
    {
        // Nothing searchable: every fetch is `q: ""` with a filter. With `signed_id` searchable, each write rebuilt the
        // word FST over 100,000 unique ids (0.2-1.6 s per 3-document write at 100k, against 0.05 s with none; measured
        // on Meilisearch 1.21, docs/performance.md §12.7). A text query on this index now finds nothing.
        SearchableAttributes = [],
        FilterableAttributes = ["signed_id", "kind", "node", "listing_id"],
        SortableAttributes = [],
        Pagination = new PaginationSettings { MaxTotalHits = 100_000 },
        // The site only fetches these documents by filter (signed_id IN [...], q empty), never by facet search or by a
        // word prefix; both structures would be rebuilt on every write over 100,000 unique ids (measured: a deletion of a
        // few listings cost 1.2-2.8 s on this index at 100k, docs/performance.md §12). Nothing visible changes.
        FacetSearch = false,
        PrefixSearch = "disabled",
    };
}
