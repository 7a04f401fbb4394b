using System.Text.Json;
using System.Text.Json.Serialization;

namespace Atlas.Indexer.Meilisearch;

[JsonConverter(typeof(JsonStringEnumConverter<MeilisearchTaskStatus>))]
public enum MeilisearchTaskStatus
{
    [JsonStringEnumMemberName("enqueued")]
    Enqueued,

    [JsonStringEnumMemberName("processing")]
    Processing,

    [JsonStringEnumMemberName("succeeded")]
    Succeeded,

    [JsonStringEnumMemberName("failed")]
    Failed,

    [JsonStringEnumMemberName("canceled")]
    Canceled,
}

/// <summary>The summary Meilisearch returns for every asynchronous write (202 Accepted).</summary>
public sealed record MeilisearchTaskInfo
{
    public long TaskUid { get; init; }

    public string? IndexUid { get; init; }

    public MeilisearchTaskStatus Status { get; init; }

    /// <summary>Task type as Meilisearch names it (e.g. <c>documentAdditionOrUpdate</c>); kept as text so new types are tolerated.</summary>
    public string Type { get; init; } = "";

    public DateTimeOffset? EnqueuedAt { get; init; }
}

/// <summary>A task as returned by <c>GET /tasks/{uid}</c>.</summary>
public sealed record MeilisearchTask
{
    public long Uid { get; init; }

    public long? BatchUid { get; init; }

    public string? IndexUid { get; init; }

    public MeilisearchTaskStatus Status { get; init; }

    public string Type { get; init; } = "";

    public long? CanceledBy { get; init; }

    /// <summary>Type-specific details (e.g. receivedDocuments, indexedDocuments, deletedDocuments).</summary>
    public JsonElement? Details { get; init; }

    public MeilisearchError? Error { get; init; }

    /// <summary>ISO 8601 duration, e.g. <c>PT0.0123S</c>.</summary>
    public string? Duration { get; init; }

    public DateTimeOffset? EnqueuedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public bool IsFinished => Status is MeilisearchTaskStatus.Succeeded or MeilisearchTaskStatus.Failed or MeilisearchTaskStatus.Canceled;
}

/// <summary>A page of <c>GET /tasks</c>.</summary>
public sealed record MeilisearchTaskList
{
    public IReadOnlyList<MeilisearchTask> Results { get; init; } = [];

    public long? Total { get; init; }

    public int Limit { get; init; }

    public long? From { get; init; }

    public long? Next { get; init; }
}

/// <summary>Filters of <c>GET /tasks</c>; null members are not sent.</summary>
public sealed record MeilisearchTaskQuery
{
    public IReadOnlyList<long>? Uids { get; init; }

    public IReadOnlyList<string>? IndexUids { get; init; }

    public IReadOnlyList<MeilisearchTaskStatus>? Statuses { get; init; }

    public IReadOnlyList<string>? Types { get; init; }

    public int? Limit { get; init; }

    public long? From { get; init; }
}
