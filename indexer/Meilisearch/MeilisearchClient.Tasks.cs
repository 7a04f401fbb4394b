using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Atlas.Indexer.Meilisearch;

public sealed partial class MeilisearchClient
{
    /// <summary>Default limit of <see cref="WaitForTaskAsync(long, TimeSpan?, CancellationToken)"/>.</summary>
    public static readonly TimeSpan DefaultTaskTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan FirstPollDelay = TimeSpan.FromMilliseconds(10);
    // Short: a task's end is noticed at most this late, and the indexer's next write (an edit's flush after the one in
    // progress) waits for that; a GET /tasks/{uid} on the loopback costs next to nothing.
    private static readonly TimeSpan MaxPollDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>GET /tasks/{uid}</summary>
    public Task<MeilisearchTask> GetTaskAsync(long taskUid, CancellationToken cancellationToken = default) =>
        SendAsync(
            HttpMethod.Get,
            $"tasks/{taskUid.ToString(CultureInfo.InvariantCulture)}",
            null,
            MeilisearchJsonContext.Default.MeilisearchTask,
            cancellationToken);

    /// <summary>GET /tasks with optional filters (uids, index uids, statuses, types, limit, from).</summary>
    public Task<MeilisearchTaskList> GetTasksAsync(MeilisearchTaskQuery? query = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "tasks" + QueryString(query), null, MeilisearchJsonContext.Default.MeilisearchTaskList, cancellationToken);

    /// <summary>
    /// POST /tasks/cancel with the filters of <paramref name="query"/> (at least one is required; limit and from are
    /// ignored). Registers a <c>taskCancelation</c> task, which Meilisearch runs before any other queued task; a matched
    /// task that is processing is aborted and its batch's other tasks go back to the queue. Returns the cancelation task.
    /// </summary>
    public Task<MeilisearchTaskInfo> CancelTasksAsync(MeilisearchTaskQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var qs = QueryString(query with { Limit = null, From = null });
        if (qs.Length == 0)
        {
            throw new ArgumentException("Task cancelation needs at least one filter.", nameof(query));
        }

        return SendAsync(HttpMethod.Post, "tasks/cancel" + qs, null, MeilisearchJsonContext.Default.MeilisearchTaskInfo, cancellationToken);
    }

    private static string QueryString(MeilisearchTaskQuery? query)
    {
        var qs = new StringBuilder();
        if (query is not null)
        {
            AppendList(qs, "uids", query.Uids?.Select(u => u.ToString(CultureInfo.InvariantCulture)).ToList());
            AppendList(qs, "indexUids", query.IndexUids);
            AppendList(qs, "statuses", query.Statuses?.Select(s => s.ToString().ToLowerInvariant()).ToList());
            AppendList(qs, "types", query.Types);
            if (query.Limit is { } limit)
            {
                Append(qs, "limit", limit.ToString(CultureInfo.InvariantCulture));
            }

            if (query.From is { } from)
            {
                Append(qs, "from", from.ToString(CultureInfo.InvariantCulture));
            }
        }

        return qs.ToString();
    }

    /// <summary>
    /// Polls the task with exponential backoff (10 ms doubling up to 100 ms between polls) until it is finished or
    /// <paramref name="timeout"/> (default 60 s) has passed. Returns the succeeded task; throws
    /// <see cref="MeilisearchTaskFailedException"/> (failed or canceled, with Meilisearch's error) or
    /// <see cref="MeilisearchTaskTimeoutException"/>.
    /// </summary>
    public async Task<MeilisearchTask> WaitForTaskAsync(
        long taskUid,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? DefaultTaskTimeout;
        var watch = Stopwatch.StartNew();
        var delay = FirstPollDelay;
        while (true)
        {
            var task = await GetTaskAsync(taskUid, cancellationToken).ConfigureAwait(false);
            if (task.IsFinished)
            {
                LogTaskFinished(task.Uid, task.Type, task.Status, watch.ElapsedMilliseconds);
                if (task.Status == MeilisearchTaskStatus.Succeeded)
                {
                    return task;
                }

                LogTaskFailed(task.Uid, task.Type, task.IndexUid, task.Status, task.Error?.Code, task.Error?.Message);
                throw new MeilisearchTaskFailedException(task);
            }

            var remaining = limit - watch.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new MeilisearchTaskTimeoutException(taskUid, limit, task.Status);
            }

            await Task.Delay(delay < remaining ? delay : remaining, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPollDelay.Ticks));
        }
    }

    /// <summary>Waits for the task behind a write's answer; see <see cref="WaitForTaskAsync(long, TimeSpan?, CancellationToken)"/>.</summary>
    public Task<MeilisearchTask> WaitForTaskAsync(
        MeilisearchTaskInfo taskInfo,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskInfo);
        return WaitForTaskAsync(taskInfo.TaskUid, timeout, cancellationToken);
    }

    private static void AppendList(StringBuilder qs, string name, IReadOnlyCollection<string>? values)
    {
        if (values is { Count: > 0 })
        {
            Append(qs, name, string.Join(',', values));
        }
    }

    private static void Append(StringBuilder qs, string name, string value) =>
        qs.Append(qs.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
}
