using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Search;

public sealed class SearchIndexException(string message) : Exception(message);

/// <summary>Minimal Meilisearch REST writer (raw HttpClient), replaceable by the shared typed client.
/// Every write waits for its task and fails loudly if the task failed.</summary>
public sealed class MeilisearchHttpWriter : ISearchIndexWriter
{
    private readonly HttpClient _http;
    private readonly IndexerOptions _options;

    public MeilisearchHttpWriter(HttpClient http, IOptions<IndexerOptions> options)
    {
        _http = http;
        _options = options.Value;
        _http.BaseAddress = new Uri(_options.MeilisearchUrl.TrimEnd('/') + "/");
        _http.Timeout = TimeSpan.FromMinutes(5);
        if (_options.ResolveMeilisearchKey() is { Length: > 0 } key)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }

    public async Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync("health", ct);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public async Task<bool> IndexExistsAsync(string uid, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"indexes/{uid}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        await EnsureSuccess(response, ct);
        return true;
    }

    public async Task EnsureIndexAsync(string uid, CancellationToken ct)
    {
        if (!await IndexExistsAsync(uid, ct))
        {
            await SendAndWait(HttpMethod.Post, "indexes", new MeiliCreateIndex(uid, "doc_id"), MeiliJsonContext.Default.MeiliCreateIndex, ct, allowCode: "index_already_exists");
        }
        var settings = new MeiliSettings(
            IndexSettings.Searchable, IndexSettings.Filterable, IndexSettings.Sortable, null,
            new MeiliFaceting(IndexSettings.MaxValuesPerFacet), new MeiliPagination(IndexSettings.MaxTotalHits));
        await SendAndWait(HttpMethod.Patch, $"indexes/{uid}/settings", settings, MeiliJsonContext.Default.MeiliSettings, ct);
    }

    public Task UpsertDocumentsAsync(string uid, IReadOnlyList<SearchDocument> documents, CancellationToken ct) =>
        SendAndWait(HttpMethod.Post, $"indexes/{uid}/documents?primaryKey=doc_id", documents, SearchJsonContext.Default.IReadOnlyListSearchDocument, ct);

    public Task DeleteListingsAsync(string uid, IReadOnlyCollection<string> listingIds, CancellationToken ct)
    {
        // Listing ids are validated lowercase UUIDs, so quoting cannot be escaped out of.
        var filter = $"listing_id IN [{string.Join(", ", listingIds.Select(id => $"\"{id.Replace("\"", "", StringComparison.Ordinal)}\""))}]";
        return SendAndWait(HttpMethod.Post, $"indexes/{uid}/documents/delete", new MeiliFilter(filter), MeiliJsonContext.Default.MeiliFilter, ct);
    }

    public Task SwapAsync(string uid, string otherUid, CancellationToken ct) =>
        SendAndWait(HttpMethod.Post, "swap-indexes", [new MeiliSwap([uid, otherUid])], MeiliJsonContext.Default.MeiliSwapArray, ct);

    public Task DeleteIndexAsync(string uid, CancellationToken ct) =>
        SendAndWait(HttpMethod.Delete, $"indexes/{uid}", null, MeiliJsonContext.Default.MeiliFilter, ct, allowCode: "index_not_found");

    public async Task<string> CreateSearchKeyAsync(string uid, CancellationToken ct)
    {
        var body = new MeiliKeyRequest($"atlas-map-search-{uid}", $"Search-only key for the map site (index {uid}).", ["search"], [uid], null);
        using var content = JsonContent(body, MeiliJsonContext.Default.MeiliKeyRequest);
        using var response = await _http.PostAsync("keys", content, ct);
        await EnsureSuccess(response, ct);
        var key = await JsonSerializer.DeserializeAsync(await response.Content.ReadAsStreamAsync(ct), MeiliJsonContext.Default.MeiliKey, ct);
        return key?.Key ?? throw new SearchIndexException("Meilisearch returned no key.");
    }

    private async Task SendAndWait<T>(HttpMethod method, string path, T? body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken ct, string? allowCode = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent(body, type);
        }
        using var response = await _http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode && allowCode is not null && (await ReadError(response, ct))?.Code == allowCode)
        {
            return;
        }
        await EnsureSuccess(response, ct);
        var task = await JsonSerializer.DeserializeAsync(await response.Content.ReadAsStreamAsync(ct), MeiliJsonContext.Default.MeiliTask, ct)
            ?? throw new SearchIndexException($"{method} {path}: no task in the answer.");
        await WaitForTask(task.TaskUid, allowCode, ct);
    }

    private async Task WaitForTask(long taskUid, string? allowCode, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.MeilisearchTaskTimeout);
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            MeiliTaskStatus? status;
            try
            {
                status = await _http.GetFromJsonAsyncSafe($"tasks/{taskUid}", timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new SearchIndexException($"Meilisearch task {taskUid} did not finish within {_options.MeilisearchTaskTimeout}.");
            }
            switch (status?.Status)
            {
                case "succeeded":
                    return;
                case "failed" or "canceled":
                    if (allowCode is not null && status.Error?.Code == allowCode)
                    {
                        return;
                    }
                    throw new SearchIndexException($"Meilisearch task {taskUid} {status.Status}: {status.Error?.Code}: {status.Error?.Message}");
            }
            await Task.Delay(delay, timeout.Token);
            delay = TimeSpan.FromMilliseconds(Math.Min(250, delay.TotalMilliseconds * 2));
        }
    }

    private static StringContent JsonContent<T>(T body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        new(JsonSerializer.Serialize(body, type), Encoding.UTF8, "application/json");

    private static async Task<MeiliError?> ReadError(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(await response.Content.ReadAsStreamAsync(ct), MeiliJsonContext.Default.MeiliError, ct);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task EnsureSuccess(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            throw new SearchIndexException($"Meilisearch {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 500)]}");
        }
    }
}

internal static class MeiliHttpExtensions
{
    public static async Task<MeiliTaskStatus?> GetFromJsonAsyncSafe(this HttpClient http, string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(path, ct);
        response.EnsureSuccessStatusCode();
        return await JsonSerializer.DeserializeAsync(await response.Content.ReadAsStreamAsync(ct), MeiliJsonContext.Default.MeiliTaskStatus, ct);
    }
}

internal sealed record MeiliCreateIndex(string Uid, string PrimaryKey);
internal sealed record MeiliFaceting(int MaxValuesPerFacet);
internal sealed record MeiliPagination(int MaxTotalHits);
internal sealed record MeiliSettings(
    IReadOnlyList<string> SearchableAttributes,
    IReadOnlyList<string> FilterableAttributes,
    IReadOnlyList<string> SortableAttributes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? DistinctAttribute,
    MeiliFaceting Faceting,
    MeiliPagination Pagination);
internal sealed record MeiliFilter(string Filter);
internal sealed record MeiliSwap(IReadOnlyList<string> Indexes);
internal sealed record MeiliTask(long TaskUid);
internal sealed record MeiliError(string? Message, string? Code);
internal sealed record MeiliTaskStatus(long Uid, string Status, MeiliError? Error);
internal sealed record MeiliKeyRequest(string Name, string Description, IReadOnlyList<string> Actions, IReadOnlyList<string> Indexes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? ExpiresAt);
internal sealed record MeiliKey(string Key);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MeiliCreateIndex))]
[JsonSerializable(typeof(MeiliSettings))]
[JsonSerializable(typeof(MeiliFilter))]
[JsonSerializable(typeof(MeiliSwap[]))]
[JsonSerializable(typeof(MeiliTask))]
[JsonSerializable(typeof(MeiliError))]
[JsonSerializable(typeof(MeiliTaskStatus))]
[JsonSerializable(typeof(MeiliKeyRequest))]
[JsonSerializable(typeof(MeiliKey))]
internal sealed partial class MeiliJsonContext : JsonSerializerContext;
