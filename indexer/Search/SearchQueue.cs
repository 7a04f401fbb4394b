namespace Atlas.Indexer.Search;

/// <summary>The order in which this indexer's writes enter Meilisearch's task queue, which runs them in that order.
/// Two writers share it: the flusher (documents, in batches) and the removal lane (deletions, at once). Whoever
/// enqueues holds <see cref="EnterAsync"/> from its last look at the state to the moment Meilisearch has queued its
/// tasks, so a removal and an upsert of the same listing are always queued in the order of the state changes behind
/// them: the flusher never queues a document of a listing after that listing's removal unless the state it read under
/// the lock shows the listing again.
///
/// Inside the lock the queue also remembers (in memory, so a restart forgets it and only costs a second deletion):
/// <list type="bullet">
/// <item>the pending removals: listing ids whose deletion tasks were queued and that no upsert has followed; the lane
/// skips them and the flusher waits for those tasks instead of deleting again;</item>
/// <item>the flusher's upsert tasks in flight, which the lane cancels (the flusher replays them from the outbox, which
/// it only completes after its tasks succeeded).</item>
/// </list></summary>
public sealed class SearchQueue
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, Removal> _removals = new(StringComparer.Ordinal);
    private readonly HashSet<long> _upserts = [];

    /// <summary>Takes the lock; dispose the scope to release it. Keep the scope short: reads of the state and
    /// Meilisearch's answers to enqueue requests, never a wait for a task.</summary>
    public async Task<Scope> EnterAsync(CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        return new Scope(this);
    }

    /// <summary>What only the holder of the lock may read and change.</summary>
    public sealed class Scope(SearchQueue queue) : IDisposable
    {
        private int _released;

        /// <summary>The removal queued for this listing that no upsert has followed, if any.</summary>
        public Removal? PendingRemoval(string listingId) => queue._removals.GetValueOrDefault(listingId);

        /// <summary>Records queued deletion tasks for these listings.</summary>
        public void Removed(Removal removal)
        {
            foreach (var id in removal.ListingIds)
            {
                queue._removals[id] = removal;
            }
        }

        /// <summary>Records that documents of these listings were queued: their earlier removal no longer describes search.</summary>
        public void Upserted(IEnumerable<string> listingIds)
        {
            foreach (var id in listingIds)
            {
                queue._removals.Remove(id);
            }
        }

        /// <summary>Forgets the removal of these listings once it is settled (its tasks ended and the state recorded the
        /// result), unless a newer removal replaced it.</summary>
        public void Settled(Removal removal, IEnumerable<string> listingIds)
        {
            foreach (var id in listingIds)
            {
                if (ReferenceEquals(queue._removals.GetValueOrDefault(id), removal))
                {
                    queue._removals.Remove(id);
                }
            }
        }

        /// <summary>The flusher's upsert tasks queued and not yet seen finished.</summary>
        public IReadOnlyCollection<long> UpsertsInFlight => [.. queue._upserts];

        public void UpsertsQueued(IEnumerable<long> taskUids) => queue._upserts.UnionWith(taskUids);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                queue._lock.Release();
            }
        }
    }

    /// <summary>Forgets the flusher's upsert tasks once they ended (a short turn of the lock; canceling a task that
    /// already ended would only cost a cancelation task that matches nothing).</summary>
    public async Task UpsertsFinishedAsync(IEnumerable<long> taskUids, CancellationToken ct)
    {
        using var scope = await EnterAsync(ct);
        _upserts.ExceptWith(taskUids);
    }
}

/// <summary>Deletion tasks queued for some listings (both indexes), by whoever queued them. Compared by reference.</summary>
public sealed class Removal(IReadOnlyCollection<string> listingIds, IReadOnlyList<long> taskUids)
{
    public IReadOnlyCollection<string> ListingIds { get; } = listingIds;

    public IReadOnlyList<long> TaskUids { get; } = taskUids;
}
