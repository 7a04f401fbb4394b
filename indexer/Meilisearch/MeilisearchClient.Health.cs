namespace Atlas.Indexer.Meilisearch;

public sealed partial class MeilisearchClient
{
    /// <summary>GET /health (no key needed).</summary>
    public Task<MeilisearchHealth> GetHealthAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "health", null, MeilisearchJsonContext.Default.MeilisearchHealth, cancellationToken);

    /// <summary>True when Meilisearch answers /health with "available"; false on any HTTP or connection error.</summary>
    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return (await GetHealthAsync(cancellationToken).ConfigureAwait(false)).IsAvailable;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (MeilisearchException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false; // HttpClient timeout
        }
    }

    /// <summary>GET /version</summary>
    public Task<MeilisearchVersion> GetVersionAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "version", null, MeilisearchJsonContext.Default.MeilisearchVersion, cancellationToken);

    /// <summary>GET /stats</summary>
    public Task<MeilisearchStats> GetStatsAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "stats", null, MeilisearchJsonContext.Default.MeilisearchStats, cancellationToken);

    /// <summary>GET /indexes/{uid}/stats</summary>
    public Task<IndexStats> GetIndexStatsAsync(string indexUid, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, IndexPath(indexUid, "stats"), null, MeilisearchJsonContext.Default.IndexStats, cancellationToken);
}
