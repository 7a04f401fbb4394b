namespace Atlas.Indexer.Meilisearch;

/// <summary>
/// The recent index beside the organisations index (docs/search-documents.md, "Recent index"): the documents of listings
/// just edited, written there first because a write to this tiny index costs ≈ 0.1 s where one to the 100,000-document
/// organisations index costs seconds (<c>Atlas.Indexer.Search.RecentOverlay</c>). Same primary key, settings and
/// document shape as the organisations index, so the map site reads both with the same queries and merges them. Its uid
/// is the organisations index uid + <see cref="Suffix"/>.
/// </summary>
public static class RecentIndexSettings
{
    public const string Suffix = "-recent";

    public static string UidFor(string organisationsIndex) => organisationsIndex + Suffix;
}
