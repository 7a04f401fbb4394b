namespace Atlas.Indexer.Search;

/// <summary>What a flush does with one listing of its batch.</summary>
public enum ListingWrite
{
    /// <summary>Nothing in search and nothing to show.</summary>
    None,
    /// <summary>Queue its documents (as many as search holds, or more).</summary>
    Upsert,
    /// <summary>Search holds more documents than it now has (places removed): delete the documents past the new count
    /// and queue the new ones (they replace the others by id).</summary>
    Replace,
    /// <summary>Nothing to show and documents in search, no removal queued yet: delete them.</summary>
    Delete,
    /// <summary>Nothing to show and a removal already queued (the removal lane was first): wait for it instead of
    /// deleting twice.</summary>
    AwaitRemoval,
    /// <summary>The state changed after the flush read it: leave the listing to the next flush (its newer outbox
    /// entry stays queued), so a document built from an older state is never queued after a newer removal.</summary>
    Defer,
}

/// <summary>The decisions of the search side, as pure functions of what the state and the queue say (docs/architecture.md,
/// "The removal lane").</summary>
public static class SearchWritePlan
{
    /// <summary>The flusher's decision for one listing: <paramref name="built"/> documents built from the flush's
    /// snapshot, <paramref name="recorded"/> documents search may hold (an upper bound), whether the outbox queued the
    /// listing again after that snapshot, and whether a removal of it is pending.</summary>
    public static ListingWrite Flush(int built, int recorded, bool changedSinceSnapshot, bool removalPending) =>
        (built, changedSinceSnapshot) switch
        {
            (_, true) => ListingWrite.Defer,
            (> 0, _) when built < recorded => ListingWrite.Replace,
            (> 0, _) => ListingWrite.Upsert,
            _ when recorded == 0 => ListingWrite.None,
            _ when removalPending => ListingWrite.AwaitRemoval,
            _ => ListingWrite.Delete,
        };

    /// <summary>The removal lane's decision: delete at once a listing search must not show, that has documents in
    /// search and whose removal is not already queued. Read under the queue's lock.</summary>
    public static bool RemoveNow(bool shown, int recorded, bool removalPending) => !shown && recorded > 0 && !removalPending;

    /// <summary>The documents a flush deletes by id for one listing (<paramref name="built"/> documents now,
    /// <paramref name="recorded"/> an upper bound of what search holds): all of them for <see cref="ListingWrite.Delete"/>,
    /// the ones past the new count for <see cref="ListingWrite.Replace"/> (the others are replaced by the upsert), none
    /// otherwise. By id, Meilisearch batches the deletion with the flush's documents: one write per index per flush.</summary>
    public static IEnumerable<string> DocIdsToDelete(string listingId, ListingWrite write, int built, int recorded) => write switch
    {
        ListingWrite.Delete => Enumerable.Range(0, recorded).Select(n => SearchDocument.DocIdOf(listingId, n)),
        ListingWrite.Replace => Enumerable.Range(built, Math.Max(0, recorded - built)).Select(n => SearchDocument.DocIdOf(listingId, n)),
        _ => [],
    };

    /// <summary>How much longer the drain holds back the organisations index's write of the small flushes already shown
    /// from the recent index (<see cref="SearchFlusher.FlushAllAsync(TimeSpan, CancellationToken)"/>); zero: queue it
    /// now. It is queued when half the recent index is taken (<paramref name="inOverlay"/> of
    /// <paramref name="capacity"/> listings: the other half takes the edits that arrive while that write runs), when
    /// no outbox entry was committed for <paramref name="quietGap"/> (the edits have stopped), or when the oldest has
    /// been held for <paramref name="maxHold"/> (its outbox entries are completed, and a restart replays no more than
    /// that); otherwise the answer is the time until the gap or the bound would be reached without a new commit.</summary>
    public static TimeSpan HoldOrganisationsWrite(int inOverlay, int capacity, TimeSpan quiet, TimeSpan held, TimeSpan quietGap, TimeSpan maxHold)
    {
        if (2 * inOverlay >= capacity || quiet >= quietGap || held >= maxHold)
        {
            return TimeSpan.Zero;
        }
        var untilQuiet = quietGap - quiet;
        var untilBound = maxHold - held;
        return untilQuiet < untilBound ? untilQuiet : untilBound;
    }

    /// <summary>Search-time exclusion (<see cref="SearchExclusions"/>): a listing the state no longer shows and of which
    /// search may hold documents is filtered out of every search at once, before Meilisearch deletes it.</summary>
    public static bool Exclude(bool shown, int recorded) => !shown && recorded > 0;

    /// <summary>An excluded listing leaves the filter only once search holds no document of it <em>and</em> the flusher
    /// has recorded its deletion (recorded count 0: the deletion task succeeded, so every upsert queued before it has
    /// run; an upsert still queued in Meilisearch is not yet visible in the index, which alone would let it back), or
    /// when the state shows it again (a hidden node shown again): the filter never hides a listing that is not
    /// withdrawn, and never lets a withdrawn one back while Meilisearch has it or may still get it.</summary>
    public static bool ReleaseExclusion(bool shown, bool documentsLeft, int recorded) => shown || (!documentsLeft && recorded == 0);
}
