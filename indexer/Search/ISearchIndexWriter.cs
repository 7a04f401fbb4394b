namespace Atlas.Indexer.Search;

/// <summary>What the indexer needs from a search engine. One implementation over raw HTTP
/// (<see cref="MeilisearchHttpWriter"/>) until the shared typed MeilisearchClient lands; every write waits
/// for its task, so a flush is complete when the call returns.</summary>
public interface ISearchIndexWriter
{
    /// <summary>Creates the index if missing (primary key doc_id) and applies the contract settings.</summary>
    Task EnsureIndexAsync(string uid, CancellationToken ct);
    Task<bool> IndexExistsAsync(string uid, CancellationToken ct);
    /// <summary>Adds or replaces documents by doc_id, in one task.</summary>
    Task UpsertDocumentsAsync(string uid, IReadOnlyList<SearchDocument> documents, CancellationToken ct);
    /// <summary>Deletes every document of these listings (filter on listing_id), in one task.</summary>
    Task DeleteListingsAsync(string uid, IReadOnlyCollection<string> listingIds, CancellationToken ct);
    Task SwapAsync(string uid, string otherUid, CancellationToken ct);
    Task DeleteIndexAsync(string uid, CancellationToken ct);
    /// <summary>Creates a key that can only search this index; returns the key value.</summary>
    Task<string> CreateSearchKeyAsync(string uid, CancellationToken ct);
    /// <summary>True when the engine answers its health probe; false on any HTTP or connection error.</summary>
    Task<bool> IsHealthyAsync(CancellationToken ct);
}

/// <summary>The index settings of docs/search-documents.md (the map site relies on exactly these).</summary>
public static class IndexSettings
{
    public static readonly string[] Searchable = ["name", "description", "cities", "focus", "contacts.value", "node_name"];
    public static readonly string[] Filterable =
        ["_geo", "city", "country", "focus", "languages", "node", "online", "has_contact", "has_press_contact", "endorsed", "has_alerts", "org_status", "listing_id"];
    public static readonly string[] Sortable = ["_geo", "updated_at", "last_confirmed"];
    public const int MaxValuesPerFacet = 1000;
    public const int MaxTotalHits = 100_000;
}
