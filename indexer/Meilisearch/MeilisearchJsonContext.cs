using System.Text.Json;
using System.Text.Json.Serialization;

namespace Atlas.Indexer.Meilisearch;

/// <summary>Source-generated JSON for the Meilisearch wire types: camelCase, nulls omitted.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(MeilisearchError))]
[JsonSerializable(typeof(MeilisearchTaskInfo))]
[JsonSerializable(typeof(MeilisearchTask))]
[JsonSerializable(typeof(MeilisearchTaskList))]
[JsonSerializable(typeof(MeilisearchIndex))]
[JsonSerializable(typeof(MeilisearchPage<MeilisearchIndex>))]
[JsonSerializable(typeof(MeilisearchPage<MeilisearchKey>))]
[JsonSerializable(typeof(MeilisearchPage<JsonElement>))]
[JsonSerializable(typeof(CreateIndexRequest))]
[JsonSerializable(typeof(IReadOnlyList<SwapIndexesRequest>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(DeleteByFilterRequest))]
[JsonSerializable(typeof(DocumentsQuery))]
[JsonSerializable(typeof(IndexSettings))]
[JsonSerializable(typeof(SearchQuery))]
[JsonSerializable(typeof(MultiSearchRequest))]
[JsonSerializable(typeof(SearchResult<JsonElement>))]
[JsonSerializable(typeof(MultiSearchResult<JsonElement>))]
[JsonSerializable(typeof(CreateKeyRequest))]
[JsonSerializable(typeof(MeilisearchKey))]
[JsonSerializable(typeof(MeilisearchHealth))]
[JsonSerializable(typeof(MeilisearchVersion))]
[JsonSerializable(typeof(MeilisearchStats))]
[JsonSerializable(typeof(IndexStats))]
internal sealed partial class MeilisearchJsonContext : JsonSerializerContext;
