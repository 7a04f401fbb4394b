using System.Diagnostics;
using Atlas.Indexer.Meilisearch;
using Atlas.Indexer.State;
using Atlas.Indexer.Telemetry;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Search;

/// <summary>The removal fast path (docs/architecture.md, "The removal lane" and "Search-time exclusion"): a takedown is a
/// safety action and must not wait behind the flusher's batch. Whenever the state commits outbox entries (a pass, a
/// relayed tombstone, a node hidden, a key revoked, a listing past review) the lane looks at the entries it has not seen
/// yet; every listing among them that search must no longer show and that has documents in search is first filtered out
/// of every search (<see cref="SearchExclusions"/>, the tenant token), and the flusher deletes it in turn. A listing the
/// filter cannot take (beyond its capacity, or with the filter off) is deleted at once, on both indexes, by
/// listing id, and the flusher's upsert tasks still queued or processing are canceled so that nothing runs before the
/// deletions (Meilisearch runs a cancelation before any other queued task and aborts a processing batch; the flusher
/// replays a canceled flush from the state). Everything is decided and queued under <see cref="SearchQueue"/>, from a
/// state read under that lock, so an older version can never be queued after the removal (the flusher defers listings
/// the state changed after its snapshot). The lane never writes the state: the flusher records the counts when it
/// reaches those outbox entries, after waiting for the lane's tasks.</summary>
public sealed partial class RemovalLane(
    StateStore store,
    SearchIndexWriter writer,
    DocumentBuilder builder,
    SearchQueue queue,
    SearchExclusions exclusions,
    RecentOverlay overlay,
    IOptions<IndexerOptions> options,
    ILogger<RemovalLane> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    // The newest outbox seq looked at. Starts at 0: after a restart every queued entry is looked at once more.
    private long _cursor;

    /// <summary>Looks at the outbox entries queued since the last call and queues the removals they need; returns the
    /// removal queued (null when none was needed). Does not wait for Meilisearch to run it.</summary>
    public async Task<Removal?> RunOnceAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            // Cheap and outside the lock: only listings that have documents in search can need a removal.
            var (last, candidates) = store.Read(s => s.Outbox.WithDocumentsAfter(_cursor));
            // First, before any lock or Meilisearch call: filter the withdrawn listings out of every search from now on.
            Exclude(candidates);
            // What the filter covers leaves Meilisearch with the flusher's next deletion, in turn: no extra task and no
            // canceled batch. Only what it cannot cover (beyond its capacity) is deleted at once, ahead of the batch.
            var excluded = exclusions.Snapshot().ListingIds;
            var uncovered = candidates.Where(id => !excluded.Contains(id)).ToList();
            if (uncovered.Count == 0)
            {
                _cursor = last;
                return null;
            }
            var removal = await RemoveAsync(uncovered, ct);
            _cursor = last;
            return removal;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Exclude(IReadOnlyList<string> candidates)
    {
        if (candidates.Count > 0)
        {
            var withdrawn = store.Read(s => candidates.Where(id => SearchWritePlan.Exclude(builder.Shows(s, id), s.Outbox.DocCount(id))).ToList());
            if (withdrawn.Count > 0 && exclusions.Add(withdrawn) is { Count: > 0 } overflow)
            {
                LogExclusionsFull(overflow.Count, exclusions.Capacity);
            }
            // Never shown from the recent index again either (also those the filter could not take).
            overlay.Withdraw(withdrawn);
        }
        exclusions.MarkLoaded();
    }

    /// <summary>Releases the excluded listings search no longer holds (or that the state shows again), checked on both
    /// indexes; returns how many were released. Called by the worker while anything is excluded.</summary>
    public async Task<int> ReleaseExclusionsAsync(CancellationToken ct)
    {
        var excluded = exclusions.Snapshot().ListingIds.ToList();
        if (excluded.Count == 0)
        {
            return 0;
        }
        var index = options.Value.Index;
        var left = new HashSet<string>(await writer.ListingsWithDocumentsAsync(index, excluded, ct), StringComparer.Ordinal);
        left.UnionWith(await writer.ListingsWithDocumentsAsync(SignedIndexSettings.UidFor(index), excluded, ct));
        var released = store.Read(s => excluded.Where(id => SearchWritePlan.ReleaseExclusion(builder.Shows(s, id), left.Contains(id), s.Outbox.DocCount(id))).ToList());
        exclusions.Release(released);
        return released.Count;
    }

    private async Task<Removal?> RemoveAsync(IReadOnlyList<string> candidates, CancellationToken ct)
    {
        var index = options.Value.Index;
        var signedIndex = SignedIndexSettings.UidFor(index);
        var started = Stopwatch.GetTimestamp();
        Removal removal;
        long? cancelation = null;
        using (var scope = await queue.EnterAsync(ct))
        {
            // Decided on the state as it is now, under the lock: the flusher cannot queue anything in between.
            var ids = store.Read(s => candidates
                .Where(id => SearchWritePlan.RemoveNow(builder.Shows(s, id), s.Outbox.DocCount(id), scope.PendingRemoval(id) is not null))
                .ToList());
            if (ids.Count == 0)
            {
                return null;
            }
            removal = new Removal(ids,
            [
                (await writer.EnqueueDeleteListingsAsync(index, ids, ct)).TaskUid,
                (await writer.EnqueueDeleteListingsAsync(signedIndex, ids, ct)).TaskUid,
            ]);
            scope.Removed(removal);
            if (scope.UpsertsInFlight is { Count: > 0 } inFlight)
            {
                cancelation = (await writer.CancelAsync(inFlight, ct)).TaskUid;
            }
        }
        IndexerTelemetry.Removals.Add(removal.ListingIds.Count);
        LogQueued(removal.ListingIds.Count, string.Join(", ", removal.TaskUids), cancelation);
        _ = ObserveAsync(removal, started);
        return removal;
    }

    /// <summary>Logs and measures how long the removal took to leave search (from the lane's start to the last
    /// deletion task's end). A failure is only logged: the flusher deletes those listings itself.</summary>
    private async Task ObserveAsync(Removal removal, long started)
    {
        try
        {
            foreach (var task in removal.TaskUids)
            {
                await writer.WaitAsync(task, CancellationToken.None);
            }
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            IndexerTelemetry.RemovalDuration.Record(seconds);
            LogRemoved(removal.ListingIds.Count, seconds * 1000);
        }
        catch (Exception e)
        {
            LogRemovalFailed(e, removal.ListingIds.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Listings} withdrawn listing(s) not filtered out of search: the exclusion holds at most {Max}; they are deleted at once instead")]
    private partial void LogExclusionsFull(int listings, int max);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removal of {Listings} listing(s) queued (tasks {Tasks}; cancelation {Cancelation})")]
    private partial void LogQueued(int listings, string tasks, long? cancelation);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Listings} listing(s) removed from search in {Ms:0} ms")]
    private partial void LogRemoved(int listings, double ms);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removal of {Listings} listing(s) did not succeed; the flusher deletes them itself")]
    private partial void LogRemovalFailed(Exception e, int listings);
}
