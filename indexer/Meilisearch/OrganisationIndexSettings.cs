using Atlas.Protocol.Geo;

namespace Atlas.Indexer.Meilisearch;

/// <summary>
/// The <c>organisations</c> index as docs/search-documents.md defines it: one document per (listing, place),
/// primary key <c>doc_id</c>, no global distinct attribute (text result lists pass <c>distinct: "listing_id"</c>).
/// Why each setting is set is said beside it.
/// </summary>
public static class OrganisationIndexSettings
{
    public const string DefaultIndexUid = "organisations";

    public const string PrimaryKey = "doc_id";

    /// <summary>Attribute passed as the per-query <c>distinct</c> of text result lists (not set on the index).</summary>
    public const string DistinctAttribute = "listing_id";

    /// <summary>Facet values returned per facet and query. The map asks for the grid cells of the visible box
    /// (up to ~4,000 cells of 16 px on a large screen) and the statistics for every (city, focus) pair, so this
    /// is well above the number of cities; the site falls back to a coarser cell level when an answer is full.</summary>
    public const int MaxValuesPerFacet = 10_000;

    public static IndexSettings Settings { get; } = new()
    {
        // Order is ranking order: the organisation's own words first, then where it is and what it does, in
        // every UI language (place_names: gazetteer names and country names; focus_labels: vocabulary labels
        // and synonyms), then contacts and the node.
        SearchableAttributes =
            ["name", "description", "cities", "place_names", "focus", "focus_labels", "contacts.value", "node_name"],
        // Filters of the site (facets, options, map box, near me), the organisation-level facets that count
        // organisations (primary = true: one document per organisation; cities, countries, city_focus), and
        // the map's grid cells (facet distribution over the visible box).
        FilterableAttributes =
        [
            "_geo", "city", "country", "cities", "countries", "focus", "languages", "node", "online", "has_contact",
            "has_press_contact", "endorsed", "has_alerts", "org_status", "listing_id", "primary", "city_focus",
            .. MapCells.Levels.Select(MapCells.Field),
        ],
        SortableAttributes = ["_geo", "updated_at", "last_confirmed"],
        // Facet values sorted by count: when a facet has more values than are returned, the biggest come back.
        Faceting = new FacetingSettings
        {
            MaxValuesPerFacet = MaxValuesPerFacet,
            SortFacetValuesBy = new Dictionary<string, string> { ["*"] = "count" },
        },
        // Caps totalHits and how deep the list can page; organisation counts come from facet distributions,
        // which this does not cap.
        Pagination = new PaginationSettings { MaxTotalHits = 100_000 },
        // The site never asks for facet search (facet values come from facet distributions), and the proxy refuses
        // the route anyway (deploy/caddy: only /search and /multi-search): turning it off changes nothing anyone can
        // see and spares every write the facet-search structures (docs/performance.md §3: with prefix search off too,
        // a 2-document write at 100k cost 0.69× as long).
        FacetSearch = false,
        // Kept on, stated explicitly: the site searches as people type, and "legal" must find "legal-aid" before
        // the word is complete. "disabled" would be cheaper to index but would change what the search box finds.
        PrefixSearch = "indexingTime",
    };
}
