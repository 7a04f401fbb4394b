using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Atlas.Indexer.Meilisearch;

public sealed partial class MeilisearchClient
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");

    /// <summary>
    /// POST /indexes/{uid}/documents: adds or replaces a batch of documents serialized with the caller's
    /// source-generated <paramref name="documentType"/>. Send large batches: every task has a fixed cost.
    /// </summary>
    public Task<MeilisearchTaskInfo> AddOrReplaceDocumentsAsync<T>(
        string indexUid,
        IEnumerable<T> documents,
        JsonTypeInfo<T> documentType,
        string? primaryKey = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(documentType);
        return AddOrReplaceDocumentsJsonAsync(indexUid, JsonArray.Serialize(documents, documentType), primaryKey, cancellationToken);
    }

    /// <summary>POST /indexes/{uid}/documents with documents already held as JSON elements.</summary>
    public Task<MeilisearchTaskInfo> AddOrReplaceDocumentsAsync(
        string indexUid,
        IEnumerable<JsonElement> documents,
        string? primaryKey = null,
        CancellationToken cancellationToken = default) =>
        AddOrReplaceDocumentsAsync(indexUid, documents, MeilisearchJsonContext.Default.JsonElement, primaryKey, cancellationToken);

    /// <summary>POST /indexes/{uid}/documents with a ready UTF-8 JSON array.</summary>
    public Task<MeilisearchTaskInfo> AddOrReplaceDocumentsJsonAsync(
        string indexUid,
        ReadOnlyMemory<byte> jsonArray,
        string? primaryKey = null,
        CancellationToken cancellationToken = default)
    {
        var content = new ReadOnlyMemoryContent(jsonArray);
        content.Headers.ContentType = JsonMediaType;
        return SendAsync(HttpMethod.Post, DocumentsPath(indexUid, primaryKey), content, MeilisearchJsonContext.Default.MeilisearchTaskInfo, cancellationToken);
    }

    private static string DocumentsPath(string indexUid, string? primaryKey) =>
        IndexPath(indexUid, "documents") + (primaryKey is null ? "" : "?primaryKey=" + Uri.EscapeDataString(primaryKey));

    /// <summary>POST /indexes/{uid}/documents/delete-batch [ids]</summary>
    public Task<MeilisearchTaskInfo> DeleteDocumentsAsync(
        string indexUid,
        IEnumerable<string> documentIds,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentIds);
        return SendAsync<IReadOnlyList<string>, MeilisearchTaskInfo>(
            HttpMethod.Post,
            IndexPath(indexUid, "documents/delete-batch"),
            documentIds.ToList(),
            MeilisearchJsonContext.Default.IReadOnlyListString,
            MeilisearchJsonContext.Default.MeilisearchTaskInfo,
            cancellationToken);
    }

    /// <summary>POST /indexes/{uid}/documents/delete {filter} (the attributes must be filterable).</summary>
    public Task<MeilisearchTaskInfo> DeleteDocumentsByFilterAsync(
        string indexUid,
        SearchFilter filter,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return SendAsync(
            HttpMethod.Post,
            IndexPath(indexUid, "documents/delete"),
            new DeleteByFilterRequest(filter),
            MeilisearchJsonContext.Default.DeleteByFilterRequest,
            MeilisearchJsonContext.Default.MeilisearchTaskInfo,
            cancellationToken);
    }

    /// <summary>DELETE /indexes/{uid}/documents</summary>
    public Task<MeilisearchTaskInfo> DeleteAllDocumentsAsync(string indexUid, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, IndexPath(indexUid, "documents"), null, MeilisearchJsonContext.Default.MeilisearchTaskInfo, cancellationToken);

    /// <summary>GET /indexes/{uid}/documents/{id}; null when there is no such document.</summary>
    public async Task<JsonElement?> GetDocumentAsync(string indexUid, string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        try
        {
            return await SendAsync(
                    HttpMethod.Get,
                    IndexPath(indexUid, "documents/" + Segment(documentId)),
                    null,
                    MeilisearchJsonContext.Default.JsonElement,
                    cancellationToken)
                .ConfigureAwait(false);
        }
        catch (MeilisearchApiException ex) when (IsNotFound(ex) && ex.Code == "document_not_found")
        {
            return null;
        }
    }

    /// <summary>POST /indexes/{uid}/documents/fetch {filter, fields, offset, limit, ids}</summary>
    public Task<MeilisearchPage<JsonElement>> FetchDocumentsAsync(
        string indexUid,
        DocumentsQuery query,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return SendAsync(
            HttpMethod.Post,
            IndexPath(indexUid, "documents/fetch"),
            query,
            MeilisearchJsonContext.Default.DocumentsQuery,
            MeilisearchJsonContext.Default.MeilisearchPageJsonElement,
            cancellationToken);
    }
}
