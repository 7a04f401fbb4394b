using System.Globalization;

namespace Atlas.Indexer.Meilisearch;

public sealed partial class MeilisearchClient
{
    /// <summary>POST /keys (needs the master key).</summary>
    public Task<MeilisearchKey> CreateKeyAsync(CreateKeyRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendAsync(
            HttpMethod.Post,
            "keys",
            request,
            MeilisearchJsonContext.Default.CreateKeyRequest,
            MeilisearchJsonContext.Default.MeilisearchKey,
            cancellationToken);
    }

    /// <summary>Creates a key that may only <c>search</c> the given indexes (what the public map site gets).</summary>
    public Task<MeilisearchKey> CreateSearchKeyAsync(
        IEnumerable<string> indexes,
        string? name = null,
        string? description = null,
        DateTimeOffset? expiresAt = null,
        string? uid = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(indexes);
        var list = indexes.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("A search key must name at least one index.", nameof(indexes));
        }

        return CreateKeyAsync(
            new CreateKeyRequest
            {
                Name = name,
                Description = description,
                Actions = ["search"],
                Indexes = list,
                ExpiresAt = expiresAt,
                Uid = uid,
            },
            cancellationToken);
    }

    /// <summary>GET /keys?offset=&amp;limit=</summary>
    public Task<MeilisearchPage<MeilisearchKey>> GetKeysAsync(
        int offset = 0,
        int limit = 20,
        CancellationToken cancellationToken = default) =>
        SendAsync(
            HttpMethod.Get,
            string.Create(CultureInfo.InvariantCulture, $"keys?offset={offset}&limit={limit}"),
            null,
            MeilisearchJsonContext.Default.MeilisearchPageMeilisearchKey,
            cancellationToken);

    /// <summary>GET /keys/{keyOrUid}; null when unknown.</summary>
    public async Task<MeilisearchKey?> GetKeyAsync(string keyOrUid, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyOrUid);
        try
        {
            return await SendAsync(HttpMethod.Get, "keys/" + Segment(keyOrUid), null, MeilisearchJsonContext.Default.MeilisearchKey, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (MeilisearchApiException ex) when (IsNotFound(ex))
        {
            return null;
        }
    }

    /// <summary>DELETE /keys/{keyOrUid} (204).</summary>
    public async Task DeleteKeyAsync(string keyOrUid, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyOrUid);
        using var response = await SendRawAsync(HttpMethod.Delete, "keys/" + Segment(keyOrUid), null, cancellationToken)
            .ConfigureAwait(false);
    }
}
