using System.Net.Http.Json;
using System.Text.Json;
using Atlas.Indexer.Meilisearch;
using Atlas.Indexer.Push;
using Atlas.Indexer.Search;
using Atlas.Indexer.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace Atlas.Indexer.Tests.Search;

/// <summary>The recent index against a real Meilisearch (docs/architecture.md "The recent index"): a small flush writes
/// its listings to the tiny recent index first, and once that write has run the tenant token shows them from there and
/// filters them out of the organisations index, so what the map site sees (the union of the two) holds every listing
/// exactly once, in its newest version, while the organisations index has not run its write. The organisations index's
/// write is held back deterministically: a large write on a scratch index holds Meilisearch's queue
/// (<see cref="QueueBlocker"/>) and the flush's upsert on the organisations index is canceled there, as a failed write
/// would leave it. Assertions are on documents and tokens, none on time (the waits are bounded polls).</summary>
[Collection(IndexerMeilisearchCollection.Name)]
public sealed class RecentIndexTests(MeilisearchFixture meili)
{
    private const string DocumentsTask = "documentAdditionOrUpdate";

    private static SearchFlusher Flusher(TestIndexer indexer) => indexer.Services.GetRequiredService<SearchFlusher>();

    private static RecentOverlay Overlay(TestIndexer indexer) => indexer.Services.GetRequiredService<RecentOverlay>();

    private static string Recent(TestIndexer indexer) => RecentIndexSettings.UidFor(indexer.Index);

    private static async Task<string> TokenAsync(TestIndexer indexer)
    {
        if (!indexer.Services.GetRequiredService<SearchExclusions>().Snapshot().Loaded)
        {
            // As at the start of the service: tokens are issued once the lane has looked at the outbox.
            await indexer.Services.GetRequiredService<RemovalLane>().RunOnceAsync(CancellationToken.None);
        }
        var header = await indexer.Services.GetRequiredService<SearchTokenIssuer>().AuthorizationAsync(CancellationToken.None);
        Assert.NotNull(header);
        return header["Bearer ".Length..];
    }

    private sealed record Seen(string Listing, string Doc, string Description, string From);

    /// <summary>What the map site sees with the current token: the hits of the organisations and recent indexes (which
    /// index each came from), the facet count of listings of both, and the listing ids the signed index returns.</summary>
    private async Task<(List<Seen> Hits, int Listings, HashSet<string> Signed)> SeenAsync(TestIndexer indexer)
    {
        using var http = meili.CreateHttpClient(await TokenAsync(indexer));
        using var answer = await http.PostAsJsonAsync("/multi-search", new
        {
            queries = new object[]
            {
                new { indexUid = indexer.Index, q = "", limit = 1000, facets = new[] { "listing_id" } },
                new { indexUid = Recent(indexer), q = "", limit = 1000, facets = new[] { "listing_id" } },
                new { indexUid = SignedIndexSettings.UidFor(indexer.Index), q = "", limit = 1000, filter = "kind = listing" },
            },
        });
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, $"{(int)answer.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        var results = json.RootElement.GetProperty("results");
        var hits = new List<Seen>();
        var listings = 0;
        foreach (var (result, from) in new[] { (results[0], "organisations"), (results[1], "recent") })
        {
            hits.AddRange(result.GetProperty("hits").EnumerateArray().Select(h => new Seen(
                h.GetProperty("listing_id").GetString()!, h.GetProperty("doc_id").GetString()!,
                h.GetProperty("description").GetProperty("en").GetString()!, from)));
            listings += result.GetProperty("facetDistribution").TryGetProperty("listing_id", out var counts) ? counts.EnumerateObject().Count() : 0;
        }
        var signed = results[2].GetProperty("hits").EnumerateArray().Select(d => d.GetProperty("listing_id").GetString()!).ToHashSet();
        return (hits, listings, signed);
    }

    private static async Task PassAsync(TestIndexer indexer)
    {
        var results = await indexer.Services.GetRequiredService<SyncRunner>().SyncAllOnceAsync(CancellationToken.None);
        Assert.All(results, r => Assert.True(r.Ok, r.Error));
    }

    private static async Task<IReadOnlyList<MeilisearchTask>> TasksAsync(TestIndexer indexer, string index, MeilisearchTaskStatus status, string type = DocumentsTask) =>
        (await indexer.Search.Client.GetTasksAsync(new MeilisearchTaskQuery { IndexUids = [index], Types = [type], Statuses = [status], Limit = 1000 })).Results;

    /// <summary>Flushes once with the organisations index's upsert canceled while Meilisearch's queue is held: the
    /// signed and recent writes run, the organisations index keeps what it had. Returns once the recent index's
    /// listings are shown (bounded).</summary>
    private static async Task FlushWithoutTheOrganisationsIndexAsync(TestIndexer indexer, int expectShown)
    {
        var blocker = await QueueBlocker.StartAsync(indexer);
        var flushing = Flusher(indexer).FlushOnceAsync(CancellationToken.None);
        await UntilAsync(async () => (await TasksAsync(indexer, indexer.Index, MeilisearchTaskStatus.Enqueued)).Count > 0);
        var held = await TasksAsync(indexer, indexer.Index, MeilisearchTaskStatus.Enqueued);
        Assert.Single(held);
        // The recent index's write was queued before it.
        Assert.Single(await TasksAsync(indexer, Recent(indexer), MeilisearchTaskStatus.Enqueued));
        var cancel = await indexer.Search.Client.CancelTasksAsync(new MeilisearchTaskQuery { Uids = [held[0].Uid] });
        await indexer.Search.Client.WaitForTaskAsync(cancel.TaskUid, TimeSpan.FromMinutes(5));
        await blocker.DropAsync();
        // Not completed: the flush is replayed later.
        Assert.True(await flushing >= 1);
        await UntilAsync(() => Task.FromResult(Overlay(indexer).Snapshot().Visible.Count >= expectShown));
        Assert.Equal(expectShown, Overlay(indexer).Snapshot().Visible.Count);
    }

    [Fact]
    public async Task An_edit_is_shown_from_the_recent_index_exactly_once_before_the_organisations_index_has_it_and_leaves_it_after()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("yerevan", time: indexer.Time);
        var ids = peer.PublishMany(6, i => Orgs.Make($"Org {i}", cityCount: 2));
        await indexer.AddPeerAndSyncAsync(peer);
        // The first sync went through the recent index too and left it once the organisations index had it.
        Assert.Empty(Overlay(indexer).Snapshot().Visible);
        Assert.Equal(0, Overlay(indexer).Count);
        var before = await SeenAsync(indexer);
        Assert.All(before.Hits, h => Assert.Equal("organisations", h.From));
        Assert.Equal(12, before.Hits.Count);

        var edited = ids[1];
        peer.Update(edited, o => Orgs.Edited(o, "moved"));
        await PassAsync(indexer);
        await FlushWithoutTheOrganisationsIndexAsync(indexer, expectShown: 1);

        // The organisations index (master key) still holds the old version…
        Assert.All(await indexer.Search.DocsOfAsync(edited), d => Assert.DoesNotContain("moved", d.Description["en"], StringComparison.Ordinal));
        // …and the map site sees the new one, from the recent index, once per place, every other listing once.
        var during = await SeenAsync(indexer);
        Assert.Equal(12, during.Hits.Count);
        Assert.Equal(12, during.Hits.Select(h => h.Doc).Distinct().Count());
        Assert.Equal(6, during.Listings);
        var shown = during.Hits.Where(h => h.Listing == edited).ToList();
        Assert.Equal(2, shown.Count);
        Assert.All(shown, h => Assert.Equal("recent", h.From));
        Assert.All(shown, h => Assert.EndsWith("moved.", h.Description, StringComparison.Ordinal));
        Assert.All(during.Hits.Where(h => h.Listing != edited), h => Assert.Equal("organisations", h.From));
        Assert.Equal(ids.ToHashSet(), during.Signed);

        // The replay completes in the organisations index: the listing leaves the overlay and the recent index.
        await indexer.FlushAsync();
        Assert.Empty(Overlay(indexer).Snapshot().Visible);
        Assert.Equal(0, Overlay(indexer).Count);
        var after = await SeenAsync(indexer);
        Assert.Equal(12, after.Hits.Count);
        Assert.All(after.Hits, h => Assert.Equal("organisations", h.From));
        Assert.All(after.Hits.Where(h => h.Listing == edited), h => Assert.EndsWith("moved.", h.Description, StringComparison.Ordinal));
        await WaitForNoTasksAsync(indexer, Recent(indexer));
        Assert.Equal(0, await RecentDocumentsAsync(indexer));
    }

    [Fact]
    public async Task An_edit_committed_while_the_drain_waits_for_the_organisations_index_goes_to_the_recent_index_at_once()
    {
        // Depth 1: without the recent index's room, the drain would wait for the first flush's write before it read the
        // second edit.
        await using var indexer = new TestIndexer(meili, new() { ["Indexer:FlushPipelineDepth"] = "1" });
        await using var peer = await FakePeer.StartAsync("tbilisi", time: indexer.Time);
        var ids = peer.PublishMany(3, i => Orgs.Make($"Org {i}"));
        await indexer.AddPeerAndSyncAsync(peer);
        peer.Update(ids[0], o => Orgs.Edited(o, "first"));
        await PassAsync(indexer);

        var blocker = await QueueBlocker.StartAsync(indexer);
        var draining = Flusher(indexer).FlushAllAsync(CancellationToken.None);
        await UntilAsync(async () => (await TasksAsync(indexer, Recent(indexer), MeilisearchTaskStatus.Enqueued)).Count >= 1);
        peer.Update(ids[1], o => Orgs.Edited(o, "second"));
        await PassAsync(indexer);
        await UntilAsync(async () => (await TasksAsync(indexer, Recent(indexer), MeilisearchTaskStatus.Enqueued)).Count >= 2);
        // Both recent writes are queued while the first flush's write to the organisations index has not run.
        Assert.Equal(2, (await TasksAsync(indexer, Recent(indexer), MeilisearchTaskStatus.Enqueued)).Count);
        Assert.Equal(2, (await TasksAsync(indexer, indexer.Index, MeilisearchTaskStatus.Enqueued)).Count);
        await blocker.DropAsync();
        await draining;

        var seen = await SeenAsync(indexer);
        Assert.All(seen.Hits, h => Assert.Equal("organisations", h.From));
        Assert.EndsWith("first.", seen.Hits.Single(h => h.Listing == ids[0]).Description, StringComparison.Ordinal);
        Assert.EndsWith("second.", seen.Hits.Single(h => h.Listing == ids[1]).Description, StringComparison.Ordinal);
        Assert.Equal(0, Overlay(indexer).Count);
        Assert.Equal(0, indexer.Store.Read(s => s.Outbox.Size()));
    }

    [Fact]
    public async Task A_backlog_larger_than_the_recent_index_keeps_its_full_batches()
    {
        // Depth 1 and batches of 40: the first flush takes 40 listings (and 40 of the recent index's 50 places); the 60
        // left do not fit in the 10 places left, so they wait for full batches instead of trickling out 10 at a time.
        await using var indexer = new TestIndexer(meili, new() { ["Indexer:FlushPipelineDepth"] = "1", ["Indexer:FlushBatchSize"] = "40" });
        await using var peer = await FakePeer.StartAsync("vilnius", time: indexer.Time);
        var ids = peer.PublishMany(100, i => Orgs.Make($"Org {i}", cityCount: 2));
        indexer.AddPeer(peer);
        await PassAsync(indexer);
        await indexer.FlushAsync();

        var upserts = (await TasksAsync(indexer, indexer.Index, MeilisearchTaskStatus.Succeeded))
            .OrderBy(t => t.Uid).Select(t => t.Details!.Value.GetProperty("receivedDocuments").GetInt32()).ToList();
        Assert.Equal([80, 80, 40], upserts);
        Assert.Equal(200, (await indexer.Search.DocsAsync()).Count);
        Assert.Equal(0, Overlay(indexer).Count);
    }

    [Fact]
    public async Task A_takedown_of_a_listing_shown_from_the_recent_index_hides_it_at_once_also_beyond_the_filters_capacity()
    {
        // MaxExcludedListings 0: no search-time exclusion, the lane deletes at once from the organisations and signed
        // indexes, which do not know the recent index; the overlay must stop showing it itself.
        await using var indexer = new TestIndexer(meili, new() { ["Indexer:MaxExcludedListings"] = "0" });
        await using var peer = await FakePeer.StartAsync("vilnius", time: indexer.Time);
        var ids = peer.PublishMany(4, i => Orgs.Make($"Org {i}"));
        await indexer.AddPeerAndSyncAsync(peer);
        var target = ids[0];
        peer.Update(target, o => Orgs.Edited(o, "edited"));
        peer.Update(ids[3], o => Orgs.Edited(o, "edited"));
        await PassAsync(indexer);
        await FlushWithoutTheOrganisationsIndexAsync(indexer, expectShown: 2);
        Assert.Contains(target, (await SeenAsync(indexer)).Hits.Where(h => h.From == "recent").Select(h => h.Listing));

        Assert.Equal("withdrawn", await indexer.Services.GetRequiredService<PushHandler>().RelayAsync(peer.Withdraw(target, publish: false), CancellationToken.None));
        var removal = await indexer.Services.GetRequiredService<RemovalLane>().RunOnceAsync(CancellationToken.None);
        Assert.NotNull(removal);
        // At once, before any Meilisearch task of the removal has run: the token no longer shows it from the recent index.
        Assert.DoesNotContain(target, Overlay(indexer).Snapshot().Visible);
        Assert.Contains(ids[3], Overlay(indexer).Snapshot().Visible);
        foreach (var task in removal.TaskUids)
        {
            await indexer.Search.Client.WaitForTaskAsync(task, TimeSpan.FromMinutes(1));
        }
        var seen = await SeenAsync(indexer);
        Assert.DoesNotContain(target, seen.Hits.Select(h => h.Listing));
        Assert.DoesNotContain(target, seen.Signed);
        Assert.Equal(3, seen.Listings);

        // Replayed and completed: never back, and nothing left in the recent index.
        await indexer.FlushAsync();
        seen = await SeenAsync(indexer);
        Assert.DoesNotContain(target, seen.Hits.Select(h => h.Listing));
        Assert.Equal(ids.Skip(1).ToHashSet(), seen.Hits.Select(h => h.Listing).ToHashSet());
        Assert.Equal(0, Overlay(indexer).Count);
        Assert.Empty(await indexer.Search.DocsOfAsync(target));
    }

    [Fact]
    public async Task A_place_removed_by_a_second_edit_is_not_left_behind_in_the_recent_index()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        var ids = peer.PublishMany(2, i => Orgs.Make($"Org {i}", cityCount: 3));
        await indexer.AddPeerAndSyncAsync(peer);
        var target = ids[0];
        peer.Update(target, o => Orgs.Edited(o, "three"));
        await PassAsync(indexer);
        await FlushWithoutTheOrganisationsIndexAsync(indexer, expectShown: 1);
        Assert.Equal(3, (await SeenAsync(indexer)).Hits.Count(h => h.Listing == target && h.From == "recent"));

        // A second edit drops two places while the listing is still shown from the recent index.
        peer.Update(target, o => Orgs.Edited(o, "one") with { Locations = [o.Locations[0]] });
        await PassAsync(indexer);
        await FlushWithoutTheOrganisationsIndexAsync(indexer, expectShown: 1);
        var seen = (await SeenAsync(indexer)).Hits.Where(h => h.Listing == target).ToList();
        Assert.Single(seen);
        Assert.Equal("recent", seen[0].From);
        Assert.EndsWith("one.", seen[0].Description, StringComparison.Ordinal);

        await indexer.FlushAsync();
        seen = (await SeenAsync(indexer)).Hits.Where(h => h.Listing == target).ToList();
        Assert.Single(seen);
        Assert.Equal("organisations", seen[0].From);
        Assert.Equal(0, Overlay(indexer).Count);
    }

    [Fact]
    public async Task A_restart_clears_the_recent_index_and_search_shows_the_organisations_index_alone()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("paris", time: indexer.Time);
        var ids = peer.PublishMany(3, i => Orgs.Make($"Org {i}"));
        await indexer.AddPeerAndSyncAsync(peer);
        peer.Update(ids[0], o => Orgs.Edited(o, "new"));
        await PassAsync(indexer);
        await FlushWithoutTheOrganisationsIndexAsync(indexer, expectShown: 1);
        Assert.Equal(1, await RecentDocumentsAsync(indexer));

        // A second process on the same state and indexes (the first one "crashed" with the overlay in memory).
        await using var restarted = new TestIndexer(meili, new() { ["Indexer:Database"] = indexer.DatabasePath }, index: indexer.Index);
        await restarted.Services.GetRequiredService<SearchFlusher>().EnsureIndexesAsync(CancellationToken.None);
        Assert.Equal(0, await RecentDocumentsAsync(restarted));
        var seen = await SeenAsync(restarted);
        Assert.All(seen.Hits, h => Assert.Equal("organisations", h.From));
        Assert.Equal(3, seen.Hits.Count);
        // The outbox still holds the edit: the next flush brings it.
        await restarted.FlushAsync();
        Assert.EndsWith("new.", (await restarted.Search.DocsOfAsync(ids[0]))[0].Description["en"], StringComparison.Ordinal);
    }

    /// <summary>The flush worker's drain: held organisations writes, a quiet gap that never comes within the test.</summary>
    private static readonly TimeSpan NeverQuiet = TimeSpan.FromMinutes(1);

    /// <summary>Documents tasks of the organisations index after <paramref name="after"/> (any status).</summary>
    private static async Task<List<MeilisearchTask>> WritesAfterAsync(TestIndexer indexer, long after) =>
        [.. (await indexer.Search.Client.GetTasksAsync(new MeilisearchTaskQuery { IndexUids = [indexer.Index], Types = [DocumentsTask], Limit = 1000 }))
            .Results.Where(t => t.Uid > after).OrderBy(t => t.Uid)];

    /// <summary>Polls (bounded) until exactly <paramref name="count"/> listings are shown from the recent index.</summary>
    private static Task<bool> UntilShownAsync(TestIndexer indexer, int count) =>
        UntilAsync(() => Task.FromResult(Overlay(indexer).Snapshot().Visible.Count == count));

    private static async Task<long> LastTaskAsync(TestIndexer indexer) =>
        (await indexer.Search.Client.GetTasksAsync(new MeilisearchTaskQuery { Limit = 1 })).Results.Select(t => t.Uid).DefaultIfEmpty(0).Max();

    [Fact]
    public async Task Small_flushes_hold_their_organisations_write_and_queue_them_as_one_when_half_the_recent_index_is_taken()
    {
        // Capacity 6: the writes held are queued once 3 listings are in the overlay.
        await using var indexer = new TestIndexer(meili, new() { ["Indexer:RecentIndexCapacity"] = "6", ["Indexer:OrganisationsWriteMaxHold"] = "00:05:00" });
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        var ids = peer.PublishMany(5, i => Orgs.Make($"Org {i}", cityCount: 2));
        await indexer.AddPeerAndSyncAsync(peer);
        var baseline = await LastTaskAsync(indexer);

        Task? draining = null;
        for (var i = 0; i < 2; i++)
        {
            peer.Update(ids[i], o => Orgs.Edited(o, "held"));
            await PassAsync(indexer);
            // The drain runs while it holds a write (it returns once nothing is queued or held).
            draining ??= Flusher(indexer).FlushAllAsync(NeverQuiet, CancellationToken.None);
            Assert.True(await UntilShownAsync(indexer, i + 1), $"edit {i} not shown");
        }
        // Two edits shown from the recent index, each in its own flush; the organisations index got no write yet and still
        // holds the old versions, while the map site sees the new ones.
        Assert.Empty(await WritesAfterAsync(indexer, baseline));
        Assert.All(await indexer.Search.DocsOfAsync(ids[0]), d => Assert.DoesNotContain("held", d.Description["en"], StringComparison.Ordinal));
        var seen = await SeenAsync(indexer);
        Assert.Equal(10, seen.Hits.Count);
        Assert.All(seen.Hits.Where(h => h.Listing == ids[0] || h.Listing == ids[1]), h => Assert.Equal("recent", h.From));
        Assert.False(draining!.IsCompleted);

        // The third edit takes half the recent index: the three held writes are queued as one.
        peer.Update(ids[2], o => Orgs.Edited(o, "held"));
        await PassAsync(indexer);
        await draining.WaitAsync(TimeSpan.FromMinutes(2));
        var write = Assert.Single(await WritesAfterAsync(indexer, baseline));
        Assert.Equal(MeilisearchTaskStatus.Succeeded, write.Status);
        Assert.Equal(6, write.Details!.Value.GetProperty("receivedDocuments").GetInt32());
        var docs = await indexer.Search.DocsAsync();
        Assert.Equal(10, docs.Count);
        Assert.All(docs, d => Assert.Equal(ids.Take(3).Contains(d.ListingId), d.Description["en"].EndsWith("held.", StringComparison.Ordinal)));
        Assert.Equal(0, Overlay(indexer).Count);
        Assert.Equal(0, indexer.Store.Read(s => s.Outbox.Size()));
        Assert.All((await SeenAsync(indexer)).Hits, h => Assert.Equal("organisations", h.From));
    }

    [Fact]
    public async Task A_held_write_is_queued_after_the_longest_hold_even_if_the_outbox_is_never_quiet_for_the_gap()
    {
        await using var indexer = new TestIndexer(meili, new() { ["Indexer:OrganisationsWriteMaxHold"] = "00:00:01" });
        await using var peer = await FakePeer.StartAsync("tbilisi", time: indexer.Time);
        var ids = peer.PublishMany(3, i => Orgs.Make($"Org {i}"));
        await indexer.AddPeerAndSyncAsync(peer);
        var baseline = await LastTaskAsync(indexer);
        peer.Update(ids[0], o => Orgs.Edited(o, "late"));
        await PassAsync(indexer);

        await Flusher(indexer).FlushAllAsync(NeverQuiet, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(MeilisearchTaskStatus.Succeeded, Assert.Single(await WritesAfterAsync(indexer, baseline)).Status);
        Assert.EndsWith("late.", Assert.Single(await indexer.Search.DocsOfAsync(ids[0])).Description["en"], StringComparison.Ordinal);
        Assert.Equal(0, Overlay(indexer).Count);
        Assert.Equal(0, indexer.Store.Read(s => s.Outbox.Size()));
    }

    [Fact]
    public async Task A_takedown_of_another_listing_is_deleted_at_once_and_leaves_the_held_edits_held()
    {
        await using var indexer = new TestIndexer(meili, new() { ["Indexer:RecentIndexCapacity"] = "6", ["Indexer:OrganisationsWriteMaxHold"] = "00:05:00" });
        await using var peer = await FakePeer.StartAsync("paris", time: indexer.Time);
        var ids = peer.PublishMany(5, i => Orgs.Make($"Org {i}"));
        await indexer.AddPeerAndSyncAsync(peer);
        var baseline = await LastTaskAsync(indexer);
        peer.Update(ids[0], o => Orgs.Edited(o, "held"));
        await PassAsync(indexer);
        var draining = Flusher(indexer).FlushAllAsync(NeverQuiet, CancellationToken.None);
        Assert.True(await UntilShownAsync(indexer, 1), "edit not shown");

        // A takedown of another listing: filtered out at once by the lane, deleted from the organisations index by the
        // drain's next flush, which does not wait for the held edit nor queue it.
        var target = ids[4];
        // Published too: the pass below reads the same feed.
        Assert.Equal("withdrawn", await indexer.Services.GetRequiredService<PushHandler>().RelayAsync(peer.Withdraw(target), CancellationToken.None));
        await indexer.Services.GetRequiredService<RemovalLane>().RunOnceAsync(CancellationToken.None);
        Assert.True(await UntilAsync(async () => (await indexer.Search.DocsOfAsync(target)).Count == 0), "takedown not deleted");
        Assert.Empty(await WritesAfterAsync(indexer, baseline));
        Assert.DoesNotContain("held", Assert.Single(await indexer.Search.DocsOfAsync(ids[0])).Description["en"], StringComparison.Ordinal);
        Assert.Contains(ids[0], Overlay(indexer).Snapshot().Visible);
        Assert.False(draining.IsCompleted);

        // Two more edits take half the recent index: the held writes go, and everything completes in order.
        peer.Update(ids[1], o => Orgs.Edited(o, "held"));
        peer.Update(ids[2], o => Orgs.Edited(o, "held"));
        await PassAsync(indexer);
        await draining.WaitAsync(TimeSpan.FromMinutes(2));
        foreach (var id in ids.Take(3))
        {
            Assert.EndsWith("held.", Assert.Single(await indexer.Search.DocsOfAsync(id)).Description["en"], StringComparison.Ordinal);
        }
        Assert.Empty(await indexer.Search.DocsOfAsync(target));
        Assert.Equal(0, indexer.Store.Read(s => s.Outbox.DocCount(target)));
        Assert.Equal(0, indexer.Store.Read(s => s.Outbox.Size()));
        Assert.Equal(0, Overlay(indexer).Count);
    }

    [Fact]
    public async Task A_held_write_never_brings_back_a_listing_the_lane_removed_while_it_was_held()
    {
        // No search-time exclusion: the lane deletes a takedown at once from the organisations and signed indexes. The
        // edit of the same listing, held in the recent index, must not be written after that deletion.
        await using var indexer = new TestIndexer(meili, new() { ["Indexer:MaxExcludedListings"] = "0", ["Indexer:OrganisationsWriteMaxHold"] = "00:05:00" });
        await using var peer = await FakePeer.StartAsync("vilnius", time: indexer.Time);
        var ids = peer.PublishMany(4, i => Orgs.Make($"Org {i}", cityCount: 2));
        await indexer.AddPeerAndSyncAsync(peer);
        var target = ids[0];
        peer.Update(target, o => Orgs.Edited(o, "edited"));
        peer.Update(ids[1], o => Orgs.Edited(o, "edited"));
        await PassAsync(indexer);
        var draining = Flusher(indexer).FlushAllAsync(NeverQuiet, CancellationToken.None);
        Assert.True(await UntilShownAsync(indexer, 2), "edits not shown");

        // The removal is queued before the drain's next flush can decide anything: under the queue's lock, as
        // RemovalLane.RemoveAsync queues it (the drain wakes on the takedown's commit and waits for the lock).
        var queue = indexer.Services.GetRequiredService<SearchQueue>();
        var writer = indexer.Services.GetRequiredService<SearchIndexWriter>();
        using (var scope = await queue.EnterAsync(CancellationToken.None))
        {
            Assert.Equal("withdrawn", await indexer.Services.GetRequiredService<PushHandler>().RelayAsync(peer.Withdraw(target, publish: false), CancellationToken.None));
            scope.Removed(new Removal([target],
            [
                (await writer.EnqueueDeleteListingsAsync(indexer.Index, [target], CancellationToken.None)).TaskUid,
                (await writer.EnqueueDeleteListingsAsync(SignedIndexSettings.UidFor(indexer.Index), [target], CancellationToken.None)).TaskUid,
            ]));
        }
        // The real lane next: it stops showing the listing from the recent index and finds its removal already queued.
        Assert.Null(await indexer.Services.GetRequiredService<RemovalLane>().RunOnceAsync(CancellationToken.None));
        await draining.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Empty(await indexer.Search.DocsOfAsync(target));
        var seen = await SeenAsync(indexer);
        Assert.DoesNotContain(target, seen.Hits.Select(h => h.Listing));
        Assert.DoesNotContain(target, seen.Signed);
        Assert.All(seen.Hits.Where(h => h.Listing == ids[1]), h => Assert.EndsWith("edited.", h.Description, StringComparison.Ordinal));
        Assert.Equal(6, seen.Hits.Count);
        Assert.Equal(0, indexer.Store.Read(s => s.Outbox.DocCount(target)));
        Assert.Equal(0, indexer.Store.Read(s => s.Outbox.Size()));
        Assert.Equal(0, Overlay(indexer).Count);
    }

    /// <summary>Documents the recent index holds (master key, no token).</summary>
    private static async Task<int> RecentDocumentsAsync(TestIndexer indexer) =>
        (await indexer.Search.Client.SearchAsync(Recent(indexer), new SearchQuery { Limit = 1000 })).Hits.Count;

    private static async Task WaitForNoTasksAsync(TestIndexer indexer, string index) =>
        Assert.True(await UntilAsync(async () => (await indexer.Search.Client.GetTasksAsync(new MeilisearchTaskQuery
        {
            IndexUids = [index],
            Statuses = [MeilisearchTaskStatus.Enqueued, MeilisearchTaskStatus.Processing],
        })).Results.Count == 0), $"tasks of {index} still open");

    /// <summary>Polls every 50 ms until <paramref name="done"/> (at most 10 s); false when it never was. The caller
    /// asserts on what it waited for.</summary>
    private static async Task<bool> UntilAsync(Func<Task<bool>> done)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await done())
            {
                return true;
            }
            await Task.Delay(50);
        }
        return false;
    }
}
