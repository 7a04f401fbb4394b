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
        if (!await IndexExistsAsync(uid, ct))
        {
            await WaitAllowing("index_already_exists", () => client.CreateIndexAsync(uid, OrganisationIndexSettings.PrimaryKey, ct), ct);
        }
        await Wait(client.UpdateSettingsAsync(uid, OrganisationIndexSettings.Settings, ct), ct);
        if ((await client.GetSettingsAsync(uid, ct)).DistinctAttribute is not null)
        {
            await Wait(client.ResetDistinctAttributeAsync(uid, ct), ct);
        }
    }

    /// <summary>Adds or replaces documents by doc_id, in one task.</summary>
    public Task UpsertDocumentsAsync(string uid, IReadOnlyList<SearchDocument> documents, CancellationToken ct) =>
        Wait(client.AddOrReplaceDocumentsAsync(uid, documents, SearchJsonContext.Default.SearchDocument, OrganisationIndexSettings.PrimaryKey, ct), ct);

    /// <summary>Deletes every document of these listings (filter on listing_id), in one task.</summary>
    public Task DeleteListingsAsync(string uid, IReadOnlyCollection<string> listingIds, CancellationToken ct)
    {
        var filter = $"listing_id IN [{string.Join(", ", listingIds.Select(SearchFilter.Quote))}]";
        return Wait(client.DeleteDocumentsByFilterAsync(uid, filter, ct), ct);
    }

    public Task SwapAsync(string uid, string otherUid, CancellationToken ct) => Wait(client.SwapIndexesAsync(uid, otherUid, ct), ct);

    public Task DeleteIndexAsync(string uid, CancellationToken ct) => WaitAllowing("index_not_found", () => client.DeleteIndexAsync(uid, ct), ct);

    /// <summary>Creates a key that can only search this index; returns the key value.</summary>
    /// <summary>The map site's search-only key. Its uid is derived from the index uid, and Meilisearch derives a key
    /// from its uid and the master key, so every Meilisearch sharing the master key (the search pairs of a region,
    /// docs/deployment.md "Scaling out") gives the same key, the one the proxy forces on every search; asking again
    /// returns the existing key.</summary>
    public async Task<string> CreateSearchKeyAsync(string index, CancellationToken ct)
    {
        var keyUid = SearchKeyUid(index);
        try
        {
            return (await client.CreateSearchKeyAsync([index], $"atlas-map-search-{index}", $"Search-only key for the map site (index {index}).", uid: keyUid, cancellationToken: ct)).Key;
        }
        catch (MeilisearchApiException e) when (e.Code == "api_key_already_exists")
        {
            return (await client.GetKeyAsync(keyUid, ct))!.Key;
        }
    }

    /// <summary>A UUID in v4 layout taken from SHA-256("atlas-map-search/" + index): stable across instances.</summary>
    public static string SearchKeyUid(string index)
    {
        var bytes = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("atlas-map-search/" + index))[..16];
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
