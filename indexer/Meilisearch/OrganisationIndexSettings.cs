namespace Atlas.Indexer.Meilisearch;

/// <summary>
/// The <c>organisations</c> index as docs/search-documents.md defines it: one document per (listing, place),
/// primary key <c>doc_id</c>, no global distinct attribute (text result lists pass <c>distinct: "listing_id"</c>).
/// </summary>
public static class OrganisationIndexSettings
{
    public const string DefaultIndexUid = "organisations";

    public const string PrimaryKey = "doc_id";

    /// <summary>Attribute passed as the per-query <c>distinct</c> of text result lists (not set on the index).</summary>
    public const string DistinctAttribute = "listing_id";

    public static IndexSettings Settings { get; } = new()
    {
        SearchableAttributes = ["name", "description", "cities", "focus", "contacts.value", "node_name"],
        FilterableAttributes =
        [
            "_geo", "city", "country", "focus", "languages", "node", "online", "has_contact", "has_press_contact",
            "endorsed", "has_alerts", "org_status", "listing_id",
        ],
        SortableAttributes = ["_geo", "updated_at", "last_confirmed"],
        Faceting = new FacetingSettings { MaxValuesPerFacet = 1000 },
        Pagination = new PaginationSettings { MaxTotalHits = 100_000 },
    };
}
