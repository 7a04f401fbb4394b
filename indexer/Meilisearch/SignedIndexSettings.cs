namespace Atlas.Indexer.Meilisearch;

/// <summary>
/// The signed index beside the organisations index (docs/search-documents.md, "Signed index"): one document per
/// listing (its JWS) and one per node (its keyset chain), primary key <c>signed_id</c>. Its uid is the organisations
/// index uid + <see cref="Suffix"/>, so the proxy and the map site derive it from the one configured index name.
/// Only <c>signed_id</c> is searchable: the JWS text is never tokenised.
/// </summary>
public static class SignedIndexSettings
{
    public const string Suffix = "-signed";

    public const string PrimaryKey = "signed_id";

    public static string UidFor(string organisationsIndex) => organisationsIndex + Suffix;

    public static IndexSettings Settings { get; } = new()
    {
        SearchableAttributes = ["signed_id"],
        FilterableAttributes = ["signed_id", "kind", "node", "listing_id"],
        SortableAttributes = [],
        Pagination = new PaginationSettings { MaxTotalHits = 100_000 },
    };
}
