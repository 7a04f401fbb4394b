using Atlas.Indexer.Meilisearch;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Search;

/// <summary>What the indexer writes to search, as calls on the shared <see cref="MeilisearchClient"/>. Every write
/// waits for its task (up to <see cref="IndexerOptions.MeilisearchTaskTimeout"/>) and throws a
/// <see cref="MeilisearchException"/> if the task failed, so a flush is complete when the call returns.</summary>
public sealed class SearchIndexWriter(MeilisearchClient client, IOptions<IndexerOptions> options)
{
    private TimeSpan TaskTimeout => options.Value.MeilisearchTaskTimeout;

    /// <summary>True when the engine answers its health probe; false on any HTTP or connection error.</summary>
    public Task<bool> IsHealthyAsync(CancellationToken ct) => client.IsHealthyAsync(ct);

    public async Task<bool> IndexExistsAsync(string uid, CancellationToken ct) => await client.GetIndexAsync(uid, ct) is not null;

    /// <summary>Creates the index if missing (primary key doc_id) and applies the settings of docs/search-documents.md,
    /// with no index-wide distinct attribute.</summary>
    public async Task EnsureIndexAsync(string uid, CancellationToken ct)
    {
        await EnsureAsync(uid, OrganisationIndexSettings.PrimaryKey, OrganisationIndexSettings.Settings, ct);
        if ((await client.GetSettingsAsync(uid, ct)).DistinctAttribute is not null)
        {
            await Wait(client.ResetDistinctAttributeAsync(uid, ct), ct);
        }
    }

    /// <summary>Creates the recent index (the organisations index's settings) if missing and deletes whatever it holds:
    /// after a start nothing is shown from it (<see cref="Atlas.Indexer.Search.RecentOverlay"/> starts empty).</summary>
    public async Task EnsureRecentIndexAsync(string uid, CancellationToken ct)
    {
        await EnsureIndexAsync(uid, ct);
        await Wait(client.DeleteAllDocumentsAsync(uid, ct), ct);
    }

    /// <summary>Creates the signed index (listing JWS and keyset chains, primary key signed_id) if missing and applies
    /// its settings.</summary>
    public Task EnsureSignedIndexAsync(string uid, CancellationToken ct) =>
        EnsureAsync(uid, SignedIndexSettings.PrimaryKey, SignedIndexSettings.Settings, ct);

    private async Task EnsureAsync(string uid, string primaryKey, IndexSettings settings, CancellationToken ct)
    {
        if (!await IndexExistsAsync(uid, ct))
        {
            await WaitAllowing("index_already_exists", () => client.CreateIndexAsync(uid, primaryKey, ct), ct);
        }
        await Wait(client.UpdateSettingsAsync(uid, settings, ct), ct);
    }

    /// <summary>Adds or replaces documents by doc_id, in one task.</summary>
    public Task UpsertDocumentsAsync(string uid, IReadOnlyList<SearchDocument> documents, CancellationToken ct) =>
        Wait(EnqueueUpsertDocumentsAsync(uid, documents, ct), ct);

    /// <summary>Adds or replaces signed documents (listing JWS, keyset chains) by signed_id, in one task.</summary>
    public Task UpsertSignedAsync(string uid, IReadOnlyList<SignedDocument> documents, CancellationToken ct) =>
        Wait(EnqueueUpsertSignedAsync(uid, documents, ct), ct);

    /// <summary>Deletes every document of these listings (filter on listing_id), in one task. Works on both indexes:
    /// search documents and the listing documents of the signed index carry listing_id.</summary>
    public Task DeleteListingsAsync(string uid, IReadOnlyCollection<string> listingIds, CancellationToken ct) =>
        Wait(EnqueueDeleteListingsAsync(uid, listingIds, ct), ct);

    /// <summary>Deletes signed documents by signed_id (keyset chains of nodes that are no longer peers).</summary>
    public Task DeleteSignedAsync(string uid, IReadOnlyCollection<string> signedIds, CancellationToken ct) =>
        Wait(EnqueueDeleteSignedAsync(uid, signedIds, ct), ct);

    // The Enqueue… variants return once Meilisearch has queued the task (its answer is the task), without waiting
    // for it: Meilisearch runs tasks in the order they were queued, so the order of these calls is the order of the
    // writes. Wait with WaitAsync.

    public Task<MeilisearchTaskInfo> EnqueueUpsertDocumentsAsync(string uid, IReadOnlyList<SearchDocument> documents, CancellationToken ct) =>
        client.AddOrReplaceDocumentsAsync(uid, documents, SearchJsonContext.Default.SearchDocument, OrganisationIndexSettings.PrimaryKey, ct);

    public Task<MeilisearchTaskInfo> EnqueueUpsertSignedAsync(string uid, IReadOnlyList<SignedDocument> documents, CancellationToken ct) =>
        client.AddOrReplaceDocumentsAsync(uid, documents, SignedJsonContext.Default.SignedDocument, SignedIndexSettings.PrimaryKey, ct);

    /// <summary>A deletion by filter: Meilisearch never batches it with document additions (it does batch it with
    /// other deletions), so it never waits inside an addition's batch.</summary>
    public Task<MeilisearchTaskInfo> EnqueueDeleteListingsAsync(string uid, IReadOnlyCollection<string> listingIds, CancellationToken ct) =>
        client.DeleteDocumentsByFilterAsync(uid, $"listing_id IN [{string.Join(", ", listingIds.Select(SearchFilter.Quote))}]", ct);

    /// <summary>A deletion by document id: Meilisearch batches it with the document additions of the same index queued
    /// next to it (one write for both).</summary>
    public Task<MeilisearchTaskInfo> EnqueueDeleteDocumentsAsync(string uid, IReadOnlyCollection<string> docIds, CancellationToken ct) =>
        client.DeleteDocumentsAsync(uid, docIds, ct);

    public Task<MeilisearchTaskInfo> EnqueueDeleteSignedAsync(string uid, IReadOnlyCollection<string> signedIds, CancellationToken ct) =>
        client.DeleteDocumentsAsync(uid, signedIds, ct);

    /// <summary>Which of these listings still have documents in the index (a facet distribution over listing_id: at
    /// most <see cref="IndexerOptions.MaxExcludedListings"/> ids, within every index's facet-value cap).</summary>
    public async Task<IReadOnlySet<string>> ListingsWithDocumentsAsync(string uid, IReadOnlyCollection<string> listingIds, CancellationToken ct)
    {
        var result = await client.SearchAsync(uid, new SearchQuery
        {
            Filter = SearchFilter.Of($"listing_id IN [{string.Join(", ", listingIds.Select(SearchFilter.Quote))}]"),
            Facets = ["listing_id"],
            Limit = 0,
        }, ct);
        return result.FacetDistribution?.GetValueOrDefault("listing_id") is { } counts
            ? counts.Where(kv => kv.Value > 0).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
    }

    /// <summary>Cancels these tasks if they are still queued or processing (a processing one is aborted); returns the
    /// cancelation task, which Meilisearch runs before anything else queued.</summary>
    public Task<MeilisearchTaskInfo> CancelAsync(IReadOnlyCollection<long> taskUids, CancellationToken ct) =>
        client.CancelTasksAsync(new MeilisearchTaskQuery { Uids = [.. taskUids], Statuses = [MeilisearchTaskStatus.Enqueued, MeilisearchTaskStatus.Processing] }, ct);

    /// <summary>The task as it stands (for the ordering checks of a caller that did not enqueue it).</summary>
    public Task<MeilisearchTask> GetTaskAsync(long taskUid, CancellationToken ct) => client.GetTaskAsync(taskUid, ct);

    /// <summary>Waits for a queued task (up to <see cref="IndexerOptions.MeilisearchTaskTimeout"/>); throws
    /// <see cref="MeilisearchTaskFailedException"/> when it failed or was canceled.</summary>
    public Task<MeilisearchTask> WaitAsync(long taskUid, CancellationToken ct) => client.WaitForTaskAsync(taskUid, TaskTimeout, ct);

    public Task SwapAsync(string uid, string otherUid, CancellationToken ct) => Wait(client.SwapIndexesAsync(uid, otherUid, ct), ct);

    /// <summary>Swaps several pairs in one task (atomically).</summary>
    public Task SwapAsync(IEnumerable<(string First, string Second)> pairs, CancellationToken ct) => Wait(client.SwapIndexesAsync(pairs, ct), ct);

    public Task DeleteIndexAsync(string uid, CancellationToken ct) => WaitAllowing("index_not_found", () => client.DeleteIndexAsync(uid, ct), ct);

    /// <summary>The map site's search-only key, for this index, its signed index (the listing JWS and keyset chains
    /// the browser verifies cards with) and its recent index. Its uid is derived from the index uid, and Meilisearch derives a key
    /// from its uid and the master key, so every Meilisearch sharing the master key (the search pairs of a region,
    /// docs/deployment.md "Scaling out") gives the same key, the one the proxy forces on every search; asking again
    /// returns the existing key.</summary>
    public async Task<string> CreateSearchKeyAsync(string index, CancellationToken ct)
    {
        var keyUid = SearchKeyUid(index);
        try
        {
            var signed = SignedIndexSettings.UidFor(index);
            var recent = RecentIndexSettings.UidFor(index);
            return (await client.CreateSearchKeyAsync([index, signed, recent], $"atlas-map-search-{index}",
                $"Search-only key for the map site (indexes {index}, {signed} and {recent}).", uid: keyUid, cancellationToken: ct)).Key;
        }
        catch (MeilisearchApiException e) when (e.Code == "api_key_already_exists")
        {
            return (await client.GetKeyAsync(keyUid, ct))!.Key;
        }
    }

    /// <summary>A UUID in v4 layout taken from SHA-256("atlas-map-search/2/" + index): stable across instances. The "2"
    /// is the key's generation: Meilisearch cannot add an index to an existing key, so the key that also allows the
    /// recent index is a new key (the first generation's key, without it, is left unused).</summary>
    public static string SearchKeyUid(string index)
    {
        var bytes = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("atlas-map-search/2/" + index))[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }

    private async Task Wait(Task<MeilisearchTaskInfo> write, CancellationToken ct) =>
        await client.WaitForTaskAsync(await write, TaskTimeout, ct);

    /// <summary>A write whose only acceptable failure is <paramref name="code"/> (a race another writer already settled).</summary>
    private async Task WaitAllowing(string code, Func<Task<MeilisearchTaskInfo>> write, CancellationToken ct)
    {
        try
        {
            await Wait(write(), ct);
        }
        catch (MeilisearchApiException e) when (e.Code == code)
        {
        }
        catch (MeilisearchTaskFailedException e) when (e.Code == code)
        {
        }
    }
}
