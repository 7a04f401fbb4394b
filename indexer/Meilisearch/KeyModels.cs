using System.Text.Json.Serialization;

namespace Atlas.Indexer.Meilisearch;

/// <summary>An API key as returned by <c>/keys</c>.</summary>
public sealed record MeilisearchKey
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    /// <summary>The secret to send as Bearer token.</summary>
    public string Key { get; init; } = "";

    public string Uid { get; init; } = "";

    public IReadOnlyList<string> Actions { get; init; } = [];

    public IReadOnlyList<string> Indexes { get; init; } = [];

    public DateTimeOffset? ExpiresAt { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>Body of <c>POST /keys</c>.</summary>
public sealed record CreateKeyRequest
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Optional UUID v4 chosen by the caller (makes the key deterministic).</summary>
    public string? Uid { get; init; }

    /// <summary>e.g. <c>search</c>, <c>documents.add</c>, <c>*</c>.</summary>
    public required IReadOnlyList<string> Actions { get; init; }

    /// <summary>Index uids or patterns (<c>organisations</c>, <c>org*</c>, <c>*</c>).</summary>
    public required IReadOnlyList<string> Indexes { get; init; }

    /// <summary>Required by Meilisearch even when null (= never expires), so always sent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public DateTimeOffset? ExpiresAt { get; init; }
}
