using Microsoft.Extensions.Logging;

namespace Atlas.Indexer.Meilisearch;

public sealed partial class MeilisearchClient
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Meilisearch task {TaskUid} ({TaskType}) {Status} after {ElapsedMs} ms of waiting")]
    private partial void LogTaskFinished(long taskUid, string taskType, MeilisearchTaskStatus status, long elapsedMs);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Meilisearch task {TaskUid} ({TaskType} on {IndexUid}) {Status}: {ErrorCode} {ErrorMessage}")]
    private partial void LogTaskFailed(long taskUid, string taskType, string? indexUid, MeilisearchTaskStatus status, string? errorCode, string? errorMessage);
}
