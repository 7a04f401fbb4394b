namespace Atlas.Indexer.Meilisearch;

public sealed partial class MeilisearchClient
{
    /// <summary>POST /indexes {uid, primaryKey}</summary>
    public Task<MeilisearchTaskInfo> CreateIndexAsync(
        string indexUid,
        string? primaryKey = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(indexUid);
        return SendAsync(
            HttpMethod.Post,
            "indexes",
            new CreateIndexRequest(indexUid, primaryKey),
            MeilisearchJsonContext.Default.CreateIndexRequest,
            MeilisearchJsonContext.Default.MeilisearchTaskInfo,
            cancellationToken);
    }

    /// <summary>DELETE /indexes/{uid}</summary>
    public Task<MeilisearchTaskInfo> DeleteIndexAsync(string indexUid, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, IndexPath(indexUid), null, MeilisearchJsonContext.Default.MeilisearchTaskInfo, cancellationToken);

    /// <summary>GET /indexes/{uid}; null when the index does not exist.</summary>
    public async Task<MeilisearchIndex?> GetIndexAsync(string indexUid, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendAsync(HttpMethod.Get, IndexPath(indexUid), null, MeilisearchJsonContext.Default.MeilisearchIndex, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (MeilisearchApiException ex) when (IsNotFound(ex))
        {
            return null;
        }
    }

    /// <summary>GET /indexes?offset=&amp;limit=</summary>
    public Task<MeilisearchPage<MeilisearchIndex>> GetIndexesAsync(
        int offset = 0,
        int limit = 20,
        CancellationToken cancellationToken = default) =>
        SendAsync(
            HttpMethod.Get,
            FormattableString.Invariant($"indexes?offset={offset}&limit={limit}"),
            null,
            MeilisearchJsonContext.Default.MeilisearchPageMeilisearchIndex,
            cancellationToken);

    /// <summary>POST /swap-indexes [{indexes:[a,b]}, …]: atomically swaps the documents, settings and tasks of each pair.</summary>
    public Task<MeilisearchTaskInfo> SwapIndexesAsync(
        IEnumerable<(string First, string Second)> pairs,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var body = pairs.Select(p => new SwapIndexesRequest([p.First, p.Second])).ToList();
        if (body.Count == 0)
        {
            throw new ArgumentException("At least one pair of indexes is needed.", nameof(pairs));
        }

        return SendAsync<IReadOnlyList<SwapIndexesRequest>, MeilisearchTaskInfo>(
            HttpMethod.Post,
            "swap-indexes",
            body,
            MeilisearchJsonContext.Default.IReadOnlyListSwapIndexesRequest,
            MeilisearchJsonContext.Default.MeilisearchTaskInfo,
            cancellationToken);
    }

    /// <summary>Swaps one pair of indexes.</summary>
    public Task<MeilisearchTaskInfo> SwapIndexesAsync(string first, string second, CancellationToken cancellationToken = default) =>
        SwapIndexesAsync([(first, second)], cancellationToken);
}
