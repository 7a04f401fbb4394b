using System.Diagnostics;
using System.Runtime.CompilerServices;
using Atlas.Indexer.Meilisearch;
using Atlas.Indexer.State;
using Atlas.Indexer.Telemetry;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Search;

/// <summary>One listing of a flush: what the flush's snapshot builds for it and how many documents search may hold.</summary>
public sealed record PreparedListing(string Id, BuiltListing Built, int Recorded);

/// <summary>A flush read from one snapshot of the state (<see cref="SearchFlusher.PrepareAsync"/>), not yet sent.</summary>
public sealed record FlushBatch(
    long MaxSeq,
    long SnapshotSeq,
    IReadOnlyList<PreparedListing> Listings,
    IReadOnlyList<(string Node, long Version)> Keysets,
    IReadOnlyList<string> GoneKeysets,
    IReadOnlyList<SignedDocument> Chains);

/// <summary>Drains the outbox into search in coalesced batches: per flush at most one deletion task per index
/// (listings that vanished or lost places) and one documents task per index. Replay after a crash is safe: documents
/// are upserts by doc_id and deletions are by listing id; the outbox is only completed after every task of the flush
/// succeeded. Writes are queued under <see cref="SearchQueue"/>, which they share with the <see cref="RemovalLane"/>:
/// a listing the state changed after this flush read it is left to the next flush, a removal the lane already queued
/// is waited for instead of repeated, and a flush whose upsert the lane canceled (to let a takedown past it) is
/// replayed at once from the state.</summary>
public sealed partial class SearchFlusher(
    StateStore store,
    SearchIndexWriter writer,
    DocumentBuilder builder,
    SearchQueue queue,
    RecentOverlay overlay,
    IOptions<IndexerOptions> options,
    ILogger<SearchFlusher> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _indexReady;
    private long _flushIds;

    private string Index => options.Value.Index;
    private string SignedIndex => SignedIndexSettings.UidFor(options.Value.Index);
    private string RecentIndex => RecentIndexSettings.UidFor(options.Value.Index);

    /// <summary>Flushes one batch; returns the number of listings it covered (0 when the outbox is empty; at least 1
    /// when the batch must be replayed at once). The signed index gets the listing JWS of every listing with documents,
    /// and the keyset chains whose trusted version changed.</summary>
    public async Task<int> FlushOnceAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return await PrepareAsync(ct) is { } batch ? await SendAsync(batch, ct) : 0;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Flushes until the outbox is empty (bounded: stops after a number of batches), with up to
    /// <see cref="IndexerOptions.FlushPipelineDepth"/> flushes queued in Meilisearch at once: the next batch is read,
    /// built and queued while Meilisearch indexes the ones before it (it merges queued writes of one index into one
    /// batch), also when the state commits new outbox entries while the oldest flush is being waited for (an edit is
    /// queued at once instead of after the flush in flight), and the outbox is completed flush by flush, in order. When
    /// a flush must be replayed (its upsert was canceled) or fails, the flushes queued behind it are not completed
    /// either (completing one would complete the entries before it): they are let go and the drain starts again from
    /// the oldest entry, rebuilding from the state (the documents they queued are upserts of the state as it was read,
    /// which run before the replay's).</summary>
    public Task FlushAllAsync(CancellationToken ct) => FlushAllAsync(TimeSpan.Zero, ct);

    /// <summary>As <see cref="FlushAllAsync(CancellationToken)"/>; with a <paramref name="quietGap"/> above zero (the
    /// <see cref="FlushWorker"/>'s <see cref="IndexerOptions.OrganisationsWriteQuietGap"/>) a small flush shown from the
    /// recent index <em>holds</em> its write to the organisations index: it is queued together with the writes of the
    /// small flushes after it once the state has been quiet for that long, half the recent index is taken, or the
    /// oldest has been held for <see cref="IndexerOptions.OrganisationsWriteMaxHold"/>
    /// (<see cref="SearchWritePlan.HoldOrganisationsWrite"/>), and at once, ahead of its own tasks, by any flush that
    /// does not hold (a deletion, a batch too large for the recent index) and writes one of their listings. One write to the 100,000-document index
    /// costs the same for 1 or 50 listings (its geo tree, docs/performance.md §12.9), and Meilisearch runs one batch at
    /// a time, so a recent write queued while that write runs waits for it: fewer, coalesced writes leave Meilisearch
    /// idle for the next edit's recent write. A held write is queued under the queue's lock after checking that the
    /// removal lane queued no removal of its listings since (their documents are dropped and the flush replayed).</summary>
    public async Task FlushAllAsync(TimeSpan quietGap, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        var inFlight = new Queue<InFlightFlush>();
        var committed = NewSignal();
        var lastCommit = new StrongBox<long>(Stopwatch.GetTimestamp());
        void OnCommitted()
        {
            Volatile.Write(ref lastCommit.Value, Stopwatch.GetTimestamp());
            Volatile.Read(ref committed).TrySetResult();
        }
        store.OutboxCommitted += OnCommitted;
        try
        {
            var depth = options.Value.FlushPipelineDepth;
            var mayHold = quietGap > TimeSpan.Zero && overlay.Enabled;
            var after = 0L;
            for (var i = 0; i < 10_000; i++)
            {
                // A held flush has nothing in Meilisearch's way: only the flushes whose writes are queued count.
                var (limit, whole) = BatchLimit(inFlight.Count(f => f.Held is null), depth);
                if (limit > 0)
                {
                    // Reset before reading: a commit after this read wakes the wait below.
                    Volatile.Write(ref committed, NewSignal());
                    if (await PrepareAsync(after, inFlight, limit, whole, ct) is { } batch)
                    {
                        inFlight.Enqueue(await QueueFlushAsync(batch, inFlight, mayHold, ct));
                        after = Math.Max(after, batch.MaxSeq);
                        continue;
                    }
                }
                if (!inFlight.TryPeek(out var oldest))
                {
                    return;
                }
                if (oldest.Held is not null)
                {
                    // The oldest flush holds its organisations write (flushes of other listings may be queued behind
                    // it): queue every held write now, or wait for the hold to end or for a commit, whichever comes
                    // first. With the pipeline full (limit 0) nothing more is read until the oldest completes: now.
                    var hold = SearchWritePlan.HoldOrganisationsWrite(overlay.Count, overlay.Capacity,
                        Stopwatch.GetElapsedTime(Volatile.Read(ref lastCommit.Value)), Stopwatch.GetElapsedTime(oldest.Started),
                        quietGap, options.Value.OrganisationsWriteMaxHold);
                    if (hold > TimeSpan.Zero && limit > 0)
                    {
                        await WaitForCommitAsync(Volatile.Read(ref committed).Task, hold, ct);
                        continue;
                    }
                    using (var scope = await queue.EnterAsync(ct))
                    {
                        await ReleaseHeldAsync(scope, inFlight, ct);
                    }
                }
                oldest.Waiting ??= WaitFlushAsync(oldest, ct);
                if (limit > 0 && await Task.WhenAny(oldest.Waiting, Volatile.Read(ref committed).Task) != oldest.Waiting)
                {
                    continue;
                }
                inFlight.Dequeue();
                if (await oldest.Waiting)
                {
                    // A listing also in a later flush keeps the count that flush raised (the higher one stays until that
                    // flush completes: a crash in between must not leave Meilisearch holding documents past the count).
                    await FinishFlushAsync(oldest, inFlight.SelectMany(f => f.Raised).ToHashSet(StringComparer.Ordinal));
                }
                else
                {
                    await LetGoAsync(inFlight);
                    after = 0;
                }
            }
        }
        finally
        {
            store.OutboxCommitted -= OnCommitted;
            // Only on an exception (or the bound): what is still queued is neither completed nor waited for.
            await LetGoAsync(inFlight);
            _gate.Release();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static async Task WaitForCommitAsync(Task committed, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            await committed.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            // The hold may have ended: the caller looks again.
        }
    }

    /// <summary>Forgets queued flushes without completing their outbox entries (a later flush replays them).</summary>
    private async Task LetGoAsync(Queue<InFlightFlush> inFlight)
    {
        while (inFlight.TryDequeue(out var flush))
        {
            if (flush.Waiting is { } waiting)
            {
                // Its wait forgets its upserts itself when it ends; its outcome no longer matters.
                _ = waiting.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            }
            else if (flush.UpsertTasks.Count > 0)
            {
                await queue.UpsertsFinishedAsync(flush.UpsertTasks, CancellationToken.None);
            }
        }
    }

    /// <summary>Creates the indexes if missing and applies their settings (once per process; the worker does it at
    /// start, so a settings change is applied on deploy rather than in front of the first edit).</summary>
    public async Task EnsureIndexesAsync(CancellationToken ct)
    {
        if (!_indexReady)
        {
            await writer.EnsureIndexAsync(Index, ct);
            await writer.EnsureSignedIndexAsync(SignedIndex, ct);
            if (overlay.Enabled)
            {
                // Cleared at start: nothing is shown from it until a flush of this process writes it.
                await writer.EnsureRecentIndexAsync(RecentIndex, ct);
                overlay.Clear();
            }
            _indexReady = true;
        }
    }

    /// <summary>The first half of a flush: takes the oldest outbox entries and builds their documents from one snapshot
    /// of the state, then records the new document counts ahead of sending (they may only grow here, so a crash
    /// after Meilisearch applied an add still leaves a count that makes a later removal delete them). Null when there
    /// is nothing to do. Called by <see cref="FlushOnceAsync"/>; public so the tests can interleave a removal with it.</summary>
    public Task<FlushBatch?> PrepareAsync(CancellationToken ct) => PrepareAsync(0, [], options.Value.FlushBatchSize, false, ct);

    /// <summary>How many listings the next flush of the drain may take: a full batch while fewer than
    /// <paramref name="depth"/> flushes are queued; beyond that (up to <c>4 × depth</c> flushes) only the rest of the
    /// outbox, and only when all of it fits in the recent index (<c>Whole</c>): an edit that commits while the pipeline
    /// waits for the organisations index is still written to the recent index at once instead of after that write, and
    /// a backlog (a first sync) keeps its full batches. A queued flush holds ids and counts only. 0: wait for the
    /// oldest flush.</summary>
    private (int Limit, bool Whole) BatchLimit(int queued, int depth) =>
        queued < depth ? (options.Value.FlushBatchSize, false)
        : queued < 4 * depth ? (overlay.Room, true)
        : (0, false);

    /// <summary>As <see cref="PrepareAsync(CancellationToken)"/>, for the outbox entries after
    /// <paramref name="afterSeq"/> (a flush queued behind others), with the keyset changes no flush of
    /// <paramref name="inFlight"/> carries yet (they are marked published when that flush completes).</summary>
    private async Task<FlushBatch?> PrepareAsync(long afterSeq, IReadOnlyCollection<InFlightFlush> inFlight, int limit, bool whole, CancellationToken ct)
    {
        var queuedKeysets = inFlight.SelectMany(f => f.Keysets).ToHashSet();
        var queuedGone = inFlight.SelectMany(f => f.GoneKeysets).ToHashSet(StringComparer.Ordinal);
        var (batch, size) = store.Read(s =>
        {
            var (maxSeq, ids) = s.Outbox.Take(whole ? limit + 1 : limit, afterSeq);
            var size = s.Outbox.Size();
            if (whole && ids.Count > limit)
            {
                // More than fits in the recent index: left to the next full batch.
                return ((FlushBatch?)null, size);
            }
            var snapshotSeq = s.Outbox.LastSeq();
            var keysets = s.Keysets.ToPublish().Where(k => !queuedKeysets.Contains(k)).ToList();
            var gone = s.Keysets.ToRemove().Where(n => !queuedGone.Contains(n)).ToList();
            if (ids.Count == 0 && keysets.Count == 0 && gone.Count == 0)
            {
                return ((FlushBatch?)null, size);
            }
            var listings = ids.Select(id => new PreparedListing(id, builder.Build(s, id), s.Outbox.DocCount(id))).ToList();
            var chains = keysets.Select(k => SignedDocument.ForKeysets(k.Node, s.Keysets.Chain(k.Node))).ToList();
            return ((FlushBatch?)new FlushBatch(maxSeq, snapshotSeq, listings, keysets, gone, chains), size);
        });
        IndexerTelemetry.ReportOutboxSize(size);
        if (batch is null)
        {
            return null;
        }
        await EnsureIndexesAsync(ct);
        store.Write(s => s.Outbox.RaiseDocCounts(batch.Listings.ToDictionary(l => l.Id, l => l.Built.Documents.Count, StringComparer.Ordinal)));
        return batch;
    }

    /// <summary>The second half: decides each listing under the queue's lock (<see cref="SearchWritePlan.Flush"/>),
    /// queues the tasks, then waits for them outside the lock and completes the outbox. Returns the number of listings
    /// covered, or at least 1 when an upsert was canceled by the removal lane (replay at once).</summary>
    public async Task<int> SendAsync(FlushBatch batch, CancellationToken ct)
    {
        var flush = await QueueFlushAsync(batch, [], false, ct);
        if (!await WaitFlushAsync(flush, ct))
        {
            return Math.Max(1, batch.Listings.Count);
        }
        await FinishFlushAsync(flush, new HashSet<string>());
        return batch.Listings.Count;
    }

    /// <summary>A flush whose tasks Meilisearch has queued: what completing it needs, without its documents.</summary>
    private sealed class InFlightFlush(
        long id,
        long maxSeq,
        int listings,
        IReadOnlyList<(string Node, long Version)> keysets,
        IReadOnlyList<string> goneKeysets,
        Dictionary<string, int> counts,
        IReadOnlyList<string> raised,
        QueuedFlush queued,
        List<long> upsertTasks,
        long started)
    {
        /// <summary>This process's number of the flush (<see cref="RecentOverlay"/> knows listings by it).</summary>
        public long Id => id;
        public long MaxSeq => maxSeq;
        public int Listings => listings;
        public IReadOnlyList<(string Node, long Version)> Keysets => keysets;
        public IReadOnlyList<string> GoneKeysets => goneKeysets;
        public Dictionary<string, int> Counts => counts;
        /// <summary>Every listing of the batch: their recorded counts were raised when it was read.</summary>
        public IReadOnlyList<string> Raised => raised;
        public QueuedFlush Queued => queued;
        public List<long> UpsertTasks => upsertTasks;
        public long Started => started;
        /// <summary>The wait for its tasks, once started (<see cref="WaitFlushAsync"/>).</summary>
        public Task<bool>? Waiting { get; set; }
        /// <summary>The listings shown whose write to the organisations index this flush holds back (null once queued,
        /// or when it did not hold): already in the recent index and the signed index.</summary>
        public IReadOnlyList<PreparedListing>? Held { get; set; }
        /// <summary>Its held write left out listings the removal lane removed meanwhile: completing it would record
        /// counts search does not hold, so it is replayed from the state instead.</summary>
        public bool Replay { get; set; }
    }

    /// <summary>Decides and queues one flush (<see cref="QueueAsync"/>) behind the flushes <paramref name="ahead"/>;
    /// if queueing fails, the upserts already queued are forgotten by the queue and the exception propagates.</summary>
    private async Task<InFlightFlush> QueueFlushAsync(FlushBatch batch, IReadOnlyCollection<InFlightFlush> ahead, bool mayHold, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var id = Interlocked.Increment(ref _flushIds);
        var upsertTasks = new List<long>();
        QueuedFlush queued;
        try
        {
            queued = await QueueAsync(id, batch, ahead, mayHold, upsertTasks, ct);
        }
        catch
        {
            if (upsertTasks.Count > 0)
            {
                await queue.UpsertsFinishedAsync(upsertTasks, CancellationToken.None);
            }
            throw;
        }
        var counts = batch.Listings.Where(l => queued.Decisions[l.Id] != ListingWrite.Defer)
            .ToDictionary(l => l.Id, l => l.Built.Documents.Count, StringComparer.Ordinal);
        return new InFlightFlush(id, batch.MaxSeq, batch.Listings.Count, batch.Keysets, batch.GoneKeysets, counts,
            batch.Listings.Select(l => l.Id).ToList(), queued, upsertTasks, started) { Held = queued.Held };
    }

    /// <summary>Waits for a queued flush's tasks and the lane's removals it depends on. False when an upsert was
    /// canceled by the removal lane: nothing may be completed, and the entries are replayed from the state as it is
    /// then. Throws when a task failed (nothing completed either). Forgets the flush's upserts in the queue however it
    /// ends.</summary>
    private async Task<bool> WaitFlushAsync(InFlightFlush flush, CancellationToken ct)
    {
        var (_, awaited, tasks, _, _, _) = flush.Queued;
        var canceled = false;
        try
        {
            foreach (var task in tasks)
            {
                try
                {
                    await writer.WaitAsync(task, ct);
                }
                catch (MeilisearchTaskFailedException e) when (e.Task.Status == MeilisearchTaskStatus.Canceled)
                {
                    // Batched with documents the removal lane canceled: replayed with them.
                    canceled = true;
                }
            }
            foreach (var (pending, ids) in awaited)
            {
                await WaitForRemovalAsync(pending, ids, ct);
            }
            foreach (var task in flush.UpsertTasks)
            {
                try
                {
                    await writer.WaitAsync(task, ct);
                }
                catch (MeilisearchTaskFailedException e) when (e.Task.Status == MeilisearchTaskStatus.Canceled)
                {
                    canceled = true;
                }
            }
        }
        finally
        {
            if (flush.UpsertTasks.Count > 0)
            {
                await queue.UpsertsFinishedAsync(flush.UpsertTasks, CancellationToken.None);
                flush.UpsertTasks.Clear();
            }
        }
        if (canceled || flush.Replay)
        {
            // The removal lane let a takedown past this flush (or removed some of its listings while it held its
            // organisations write): nothing is completed, the next flush rebuilds the same outbox entries from the
            // state as it is now.
            LogReplayed(flush.Listings);
            return false;
        }
        return true;
    }

    /// <summary>Completes a flush whose tasks succeeded: its outbox entries, the counts it recorded (except those of
    /// <paramref name="later"/> listings, queued again by a later flush that raised them), published keysets, and the
    /// removals it settled.</summary>
    private async Task FinishFlushAsync(InFlightFlush flush, IReadOnlySet<string> later)
    {
        var (decisions, awaited, _, removal, upserted, _) = flush.Queued;
        store.Write(s =>
        {
            s.Outbox.Complete(flush.MaxSeq, later.Count == 0 ? flush.Counts : flush.Counts.Where(c => !later.Contains(c.Key)).ToDictionary(StringComparer.Ordinal));
            s.Keysets.MarkPublished(flush.Keysets, flush.GoneKeysets);
        });
        using (var scope = await queue.EnterAsync(CancellationToken.None))
        {
            if (removal is not null)
            {
                scope.Settled(removal, removal.ListingIds);
            }
            foreach (var (pending, ids) in awaited)
            {
                scope.Settled(pending, ids);
            }
        }
        await LeaveOverlayAsync(flush.Id);
        var seconds = Stopwatch.GetElapsedTime(flush.Started).TotalSeconds;
        IndexerTelemetry.FlushDuration.Record(seconds);
        IndexerTelemetry.ReportOutboxSize(store.Read(s => s.Outbox.Size()));
        LogFlushed(flush.Listings, upserted, removal?.ListingIds.Count ?? 0, awaited.Values.Sum(ids => ids.Count), decisions.Values.Count(d => d == ListingWrite.Defer), seconds * 1000);
    }

    /// <summary>What one flush queued: its decisions, the lane's removals it waits for, its deletion tasks and its own
    /// removal.</summary>
    private sealed record QueuedFlush(
        Dictionary<string, ListingWrite> Decisions,
        Dictionary<Removal, List<string>> Awaited,
        List<long> Tasks,
        Removal? Removal,
        int Upserted,
        IReadOnlyList<PreparedListing>? Held);

    /// <summary>Decides and queues under the lock; the upsert tasks go to <paramref name="upsertTasks"/> as soon as
    /// Meilisearch has them (the caller forgets them however this ends). With <paramref name="mayHold"/>, a flush whose
    /// only writes are documents of listings shown from the recent index holds its organisations write
    /// (<see cref="QueuedFlush.Held"/>); any other flush first queues the writes the flushes <paramref name="ahead"/>
    /// hold for the listings it writes (and every held write before those), so the organisations index still gets the
    /// writes of each listing in the order of the state.</summary>
    private async Task<QueuedFlush> QueueAsync(long id, FlushBatch batch, IReadOnlyCollection<InFlightFlush> ahead, bool mayHold, List<long> upsertTasks, CancellationToken ct)
    {
        var decisions = new Dictionary<string, ListingWrite>(StringComparer.Ordinal);
        var awaited = new Dictionary<Removal, List<string>>(ReferenceEqualityComparer.Instance);
        var tasks = new List<long>();
        Removal? removal = null;
        using var scope = await queue.EnterAsync(ct);
        // Only what the state changed after the snapshot; read under the lock, so a removal the lane queues after
        // this point is queued after our documents.
        var changed = store.Read(s => s.Outbox.LastSeq() > batch.SnapshotSeq ? s.Outbox.IdsAfter(batch.SnapshotSeq) : new HashSet<string>());
        foreach (var listing in batch.Listings)
        {
            var pending = scope.PendingRemoval(listing.Id);
            var decision = SearchWritePlan.Flush(listing.Built.Documents.Count, listing.Recorded, changed.Contains(listing.Id), pending is not null);
            decisions[listing.Id] = decision;
            if (decision == ListingWrite.AwaitRemoval)
            {
                (awaited.TryGetValue(pending!, out var ids) ? ids : awaited[pending!] = []).Add(listing.Id);
            }
        }
        // Deletions by document id (never by filter): Meilisearch batches them with the documents of the same index, so a
        // flush costs one write per index, whatever mix of edits, places removed and takedowns it carries.
        var deleted = Ids(decisions, ListingWrite.Delete);
        var docIds = batch.Listings.SelectMany(l => SearchWritePlan.DocIdsToDelete(l.Id, decisions[l.Id], l.Built.Documents.Count, l.Recorded)).ToList();
        var signedIds = deleted.Concat(batch.GoneKeysets.Select(SignedDocument.KeysetId)).ToList();
        var shown = batch.Listings.Where(l => decisions[l.Id] is ListingWrite.Upsert or ListingWrite.Replace).ToList();
        // The recent index (RecentOverlay): a small flush's listings are searchable from there as soon as its write
        // there has run. Every other listing the flush writes or deletes that is in the overlay leaves it when this
        // flush completes.
        var written = batch.Listings.Where(l => decisions[l.Id] != ListingWrite.Defer).Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
        IReadOnlyDictionary<string, int>? previous = null;
        var recent = shown.Count > 0 && overlay.TryReserve(id, shown.ToDictionary(l => l.Id, l => l.Built.Documents.Count, StringComparer.Ordinal), out previous);
        overlay.Touch(id, written);
        var hold = mayHold && recent && docIds.Count == 0 && signedIds.Count == 0 && awaited.Count == 0;
        if (!hold)
        {
            // Writes of different listings commute (every document id belongs to one listing): only the held writes of
            // listings this flush writes or deletes must go first, with every held write before them (a listing held
            // twice keeps its order). A takedown of another listing leaves the edits held.
            var held = ahead.Where(f => f.Held is not null).ToList();
            var last = held.FindLastIndex(f => f.Held!.Any(l => written.Contains(l.Id)));
            await ReleaseHeldAsync(scope, held.Take(last + 1), ct);
        }
        var removalTasks = new List<long>();
        // Signed index first (its deletions, then its documents), then the recent index, then the organisations index:
        // a card opened between the writes sees new bytes and old documents (a warning for a moment), never a new
        // document without its signature.
        if (signedIds.Count > 0)
        {
            var task = (await writer.EnqueueDeleteSignedAsync(SignedIndex, signedIds, ct)).TaskUid;
            tasks.Add(task);
            removalTasks.Add(task);
        }
        // From here documents of these listings may be queued (even if a request below fails after Meilisearch took
        // it): their earlier removal no longer describes search.
        scope.Upserted(shown.Select(l => l.Id));
        var signed = shown.Select(l => l.Built.Signed!).Concat(batch.Chains).ToList();
        long? signedTask = null;
        if (signed.Count > 0)
        {
            signedTask = (await writer.EnqueueUpsertSignedAsync(SignedIndex, signed, ct)).TaskUid;
            upsertTasks.Add(signedTask.Value);
            scope.UpsertsQueued(upsertTasks);
        }
        if (recent)
        {
            await QueueRecentAsync(id, shown, previous!, signedTask, ct);
        }
        if (hold)
        {
            return new QueuedFlush(decisions, awaited, tasks, removal, shown.Sum(l => l.Built.Documents.Count), shown);
        }
        if (docIds.Count > 0)
        {
            var task = (await writer.EnqueueDeleteDocumentsAsync(Index, docIds, ct)).TaskUid;
            tasks.Add(task);
            removalTasks.Add(task);
        }
        if (deleted.Count > 0)
        {
            removal = new Removal(deleted, removalTasks);
            scope.Removed(removal);
        }
        var documents = shown.SelectMany(l => l.Built.Documents).ToList();
        if (documents.Count > 0)
        {
            upsertTasks.Add((await writer.EnqueueUpsertDocumentsAsync(Index, documents, ct)).TaskUid);
            scope.UpsertsQueued(upsertTasks);
        }
        return new QueuedFlush(decisions, awaited, tasks, removal, documents.Count, null);
    }

    /// <summary>Under the queue's lock: queues the organisations writes the flushes <paramref name="flushes"/> hold as
    /// <em>one</em> documents task (a listing held twice keeps its newest documents: a later flush of it holds only when
    /// it has at least as many): Meilisearch, idle by then, would otherwise start on the first task before the next one
    /// is queued and run two batches where one costs the same. The documents of a listing whose removal the lane queued
    /// after the flush read it are left out (queued now, they would bring it back after the removal), and that flush is
    /// replayed from the state instead of completed.</summary>
    private async Task ReleaseHeldAsync(SearchQueue.Scope scope, IEnumerable<InFlightFlush> flushes, CancellationToken ct)
    {
        var released = flushes.Where(f => f.Held is not null).ToList();
        if (released.Count == 0)
        {
            return;
        }
        var documents = new Dictionary<string, SearchDocument>(StringComparer.Ordinal);
        var listings = 0;
        foreach (var flush in released)
        {
            var removed = flush.Held!.Where(l => scope.PendingRemoval(l.Id) is not null).Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var document in flush.Held!.Where(l => !removed.Contains(l.Id)).SelectMany(l => l.Built.Documents))
            {
                documents[document.DocId] = document;
            }
            flush.Replay |= removed.Count > 0;
            listings += flush.Held!.Count;
        }
        if (documents.Count > 0)
        {
            var task = (await writer.EnqueueUpsertDocumentsAsync(Index, [.. documents.Values], ct)).TaskUid;
            foreach (var flush in released)
            {
                flush.UpsertTasks.Add(task);
            }
            scope.UpsertsQueued([task]);
        }
        foreach (var flush in released)
        {
            flush.Held = null;
        }
        LogReleased(released.Count, listings, documents.Count);
    }

    /// <summary>Queues a small flush's documents to the recent index (with the deletion of any earlier recent documents
    /// of these listings past their new count, batched with them) and shows them once that write has run.</summary>
    private async Task QueueRecentAsync(long id, IReadOnlyList<PreparedListing> shown, IReadOnlyDictionary<string, int> previous, long? signedTask, CancellationToken ct)
    {
        var stale = shown.SelectMany(l => SearchWritePlan.DocIdsToDelete(l.Id, ListingWrite.Replace, l.Built.Documents.Count, previous.GetValueOrDefault(l.Id))).ToList();
        if (stale.Count > 0)
        {
            await writer.EnqueueDeleteDocumentsAsync(RecentIndex, stale, ct);
        }
        var task = (await writer.EnqueueUpsertDocumentsAsync(RecentIndex, [.. shown.SelectMany(l => l.Built.Documents)], ct)).TaskUid;
        _ = ShowRecentAsync(id, signedTask, task, shown.Count);
    }

    /// <summary>Shows flush <paramref name="id"/>'s listings from the recent index once its write there (and the
    /// signatures queued before it) succeeded. If either failed they are not shown: search keeps showing the
    /// organisations index's documents until the flush completes or is replayed.</summary>
    private async Task ShowRecentAsync(long id, long? signedTask, long recentTask, int listings)
    {
        try
        {
            if (signedTask is { } signed)
            {
                await writer.WaitAsync(signed, CancellationToken.None);
            }
            await writer.WaitAsync(recentTask, CancellationToken.None);
            overlay.MarkVisible(id);
            LogRecentShown(listings, id);
        }
        catch (Exception e)
        {
            LogRecentFailed(e, listings, id);
        }
    }

    /// <summary>The flush completed in the organisations index: the listings it was the latest flush of leave the
    /// overlay (at once: the token no longer shows them from the recent index) and their recent documents are deleted.
    /// Deleting them is only tidiness (the token never shows a listing the overlay does not), so a failure is logged.
    /// By document id, not by filter: Meilisearch batches a deletion by id with the recent index's next documents,
    /// where a deletion by filter would end that batch and let the organisations index's next write run before the
    /// recent documents queued behind it (measured: edits waited 5-9 s more, performance.md §12.9).</summary>
    private async Task LeaveOverlayAsync(long id)
    {
        var left = overlay.Finish(id);
        if (left.Count == 0)
        {
            return;
        }
        var docIds = left.SelectMany(l => SearchWritePlan.DocIdsToDelete(l.Id, ListingWrite.Delete, 0, l.Documents)).ToList();
        try
        {
            await writer.EnqueueDeleteDocumentsAsync(RecentIndex, docIds, CancellationToken.None);
        }
        catch (Exception e) when (e is HttpRequestException or MeilisearchException or TimeoutException)
        {
            LogRecentCleanupFailed(e, left.Count);
        }
    }

    /// <summary>Waits for a removal the lane queued; if it did not succeed, forgets it (so the next flush deletes
    /// these listings itself) and fails this flush.</summary>
    private async Task WaitForRemovalAsync(Removal pending, IReadOnlyList<string> ids, CancellationToken ct)
    {
        try
        {
            foreach (var task in pending.TaskUids)
            {
                await writer.WaitAsync(task, ct);
            }
        }
        catch (MeilisearchException)
        {
            using (var scope = await queue.EnterAsync(CancellationToken.None))
            {
                scope.Settled(pending, ids);
            }
            throw;
        }
    }

    private static List<string> Ids(Dictionary<string, ListingWrite> decisions, params ListingWrite[] kinds) =>
        decisions.Where(d => kinds.Contains(d.Value)).Select(d => d.Key).ToList();

    [LoggerMessage(Level = LogLevel.Information, Message = "Flushed {Listings} listing(s): {Upserts} document(s) upserted, {Deletes} listing(s) deleted, {Awaited} removed by the removal lane, {Deferred} left to the next flush, in {Ms:0} ms")]
    private partial void LogFlushed(int listings, int upserts, int deletes, int awaited, int deferred, double ms);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Listings} listing(s) of flush {Flush} shown from the recent index")]
    private partial void LogRecentShown(int listings, long flush);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Listings} listing(s) of flush {Flush} to the recent index failed; search shows them when the organisations index has them")]
    private partial void LogRecentFailed(Exception e, int listings, long flush);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting {Listings} listing(s) from the recent index failed (they are no longer shown from it)")]
    private partial void LogRecentCleanupFailed(Exception e, int listings);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Queued the organisations write {Flushes} flush(es) held ({Listings} listing(s) shown from the recent index, {Documents} document(s))")]
    private partial void LogReleased(int flushes, int listings, int documents);

    [LoggerMessage(Level = LogLevel.Information, Message = "A flush of {Listings} listing(s) was canceled to let a removal past it; replaying it from the state")]
    private partial void LogReplayed(int listings);
}
