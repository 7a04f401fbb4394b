using System.Net;

namespace Atlas.Indexer.Meilisearch;

/// <summary>An error as Meilisearch reports it, in an HTTP answer or in a failed task.</summary>
public sealed record MeilisearchError(string Message, string Code, string Type, string? Link);

/// <summary>Base of the errors thrown by <see cref="MeilisearchClient"/>.</summary>
public class MeilisearchException : Exception
{
    public MeilisearchException(string message)
        : base(message)
    {
    }

    public MeilisearchException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Meilisearch answered with a non-2xx status.</summary>
public sealed class MeilisearchApiException(
    string method,
    string path,
    HttpStatusCode statusCode,
    MeilisearchError? error,
    string? rawBody)
    : MeilisearchException(
        $"Meilisearch {method} /{path} failed with HTTP {(int)statusCode}: " +
        (error is null ? rawBody ?? "(no body)" : $"{error.Message} (code {error.Code}, type {error.Type})"))
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    public MeilisearchError? Error { get; } = error;

    /// <summary>Meilisearch error code, e.g. <c>index_not_found</c>, <c>invalid_api_key</c>.</summary>
    public string? Code => Error?.Code;

    /// <summary>Meilisearch error type: <c>invalid_request</c>, <c>auth</c>, <c>internal</c> or <c>system</c>.</summary>
    public string? Type => Error?.Type;

    public string? Link => Error?.Link;

    /// <summary>The body when it was not a Meilisearch error object.</summary>
    public string? RawBody { get; } = rawBody;
}

/// <summary>An asynchronous task ended as <c>failed</c> or <c>canceled</c>.</summary>
public sealed class MeilisearchTaskFailedException(MeilisearchTask task)
    : MeilisearchException(
        $"Meilisearch task {task.Uid} ({task.Type} on {task.IndexUid ?? "-"}) {task.Status.ToString().ToLowerInvariant()}: " +
        (task.Error is { } e ? $"{e.Message} (code {e.Code}, type {e.Type})" : "no error reported"))
{
    public MeilisearchTask Task { get; } = task;

    public MeilisearchError? Error => Task.Error;

    public string? Code => Task.Error?.Code;

    public string? Type => Task.Error?.Type;

    public string? Link => Task.Error?.Link;
}

/// <summary>A task did not finish within the wait's time limit.</summary>
public sealed class MeilisearchTaskTimeoutException(long taskUid, TimeSpan timeout, MeilisearchTaskStatus lastStatus)
    : MeilisearchException(
        $"Meilisearch task {taskUid} did not finish within {timeout.TotalSeconds:0.##} s (last status: {lastStatus.ToString().ToLowerInvariant()}).")
{
    public long TaskUid { get; } = taskUid;

    public MeilisearchTaskStatus LastStatus { get; } = lastStatus;
}
