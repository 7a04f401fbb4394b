namespace Atlas.Indexer.Meilisearch;

public sealed partial class MeilisearchClient
{
    /// <summary>PATCH /indexes/{uid}/settings (creates the index if it does not exist).</summary>
    public Task<MeilisearchTaskInfo> UpdateSettingsAsync(
        string indexUid,
        IndexSettings settings,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return SendAsync(
            HttpMethod.Patch,
            IndexPath(indexUid, "settings"),
            settings,
            MeilisearchJsonContext.Default.IndexSettings,
            MeilisearchJsonContext.Default.MeilisearchTaskInfo,
            cancellationToken);
    }

    /// <summary>GET /indexes/{uid}/settings</summary>
    public Task<IndexSettings> GetSettingsAsync(string indexUid, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, IndexPath(indexUid, "settings"), null, MeilisearchJsonContext.Default.IndexSettings, cancellationToken);

    /// <summary>DELETE /indexes/{uid}/settings/distinct-attribute: back to no index-wide distinct attribute.</summary>
    public Task<MeilisearchTaskInfo> ResetDistinctAttributeAsync(string indexUid, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, IndexPath(indexUid, "settings/distinct-attribute"), null, MeilisearchJsonContext.Default.MeilisearchTaskInfo, cancellationToken);
}
