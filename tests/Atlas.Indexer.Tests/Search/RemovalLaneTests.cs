using System.Text.Json;
using Atlas.Indexer.Meilisearch;
using Atlas.Indexer.Push;
using Atlas.Indexer.Search;
using Microsoft.Extensions.DependencyInjection;

namespace Atlas.Indexer.Tests.Search;

/// <summary>The removal fast path against a real Meilisearch (docs/architecture.md, "The removal lane"): a takedown is
/// queued at once and runs before the flusher's documents, never lets an older version back, never hides a listing that
/// was not withdrawn, and the flusher's canceled work is replayed. The interleavings are forced with the flusher's two
/// halves (PrepareAsync / SendAsync) and, where a task must still be queued, with a large write on another index ahead
/// of it in Meilisearch's queue; every assertion is on state, documents and task order, none on elapsed time. The
/// search-time filter is off here (MaxExcludedListings 0): this is the path of every listing the filter cannot take
/// (SearchExclusionTests has the filter's own path, where the flusher deletes in turn).</summary>
[Collection(IndexerMeilisearchCollection.Name)]
public sealed class RemovalLaneTests(MeilisearchFixture meili)
{
    private const string DocumentsTask = "documentAdditionOrUpdate";

    private static readonly Dictionary<string, string?> DeleteAtOnce = new() { ["Indexer:MaxExcludedListings"] = "0" };

    private static SearchFlusher Flusher(TestIndexer indexer) => indexer.Services.GetRequiredService<SearchFlusher>();

    private static RemovalLane Lane(TestIndexer indexer) => indexer.Services.GetRequiredService<RemovalLane>();

    /// <summary>One sync pass over all peers without the flush that <see cref="TestIndexer.SyncAsync"/> adds.</summary>
    private static async Task PassAsync(TestIndexer indexer)
    {
        var results = await indexer.Services.GetRequiredService<Atlas.Indexer.Sync.SyncRunner>().SyncAllOnceAsync(CancellationToken.None);
        Assert.All(results, r => Assert.True(r.Ok, r.Error));
    }

    private static Task<string> RelayAsync(TestIndexer indexer, string tombstone) =>
        indexer.Services.GetRequiredService<PushHandler>().RelayAsync(tombstone, CancellationToken.None);

    private static async Task<IReadOnlyList<JsonElement>> SignedDocsOfAsync(TestIndexer indexer, string listingId) =>
        (await indexer.Search.Client.FetchDocumentsAsync(SignedIndexSettings.UidFor(indexer.Index),
            new DocumentsQuery { Filter = SearchFilter.Of($"listing_id = {SearchFilter.Quote(listingId)}"), Limit = 100 })).Results;

    private static async Task<IReadOnlyList<MeilisearchTask>> TasksAsync(TestIndexer indexer, string type, params MeilisearchTaskStatus[] statuses) =>
        (await indexer.Search.Client.GetTasksAsync(new MeilisearchTaskQuery
        {
            IndexUids = [indexer.Index],
            Types = [type],
            Statuses = statuses.Length == 0 ? null : statuses,
            Limit = 1000,
        })).Results;




    [Fact]
    public async Task A_takedown_is_queued_before_a_flush_that_built_the_older_version_and_that_flush_defers_it()
    {
        await using var indexer = new TestIndexer(meili, DeleteAtOnce);
        await using var peer = await FakePeer.StartAsync("vilnius", time: indexer.Time);
        var ids = peer.PublishMany(6, i => Orgs.Make($"Org {i}", cityCount: 2));
        await indexer.AddPeerAndSyncAsync(peer);
        var withdrawn = ids[0];
        foreach (var id in ids)
        {
            peer.Update(id, o => Orgs.Edited(o, "edited"));
        }
        await PassAsync(indexer);

        // The flush reads the edited (shown) version of every listing, including the one about to be withdrawn…
        var batch = await Flusher(indexer).PrepareAsync(CancellationToken.None);
        Assert.NotNull(batch);
        Assert.Equal(2, batch.Listings.Single(l => l.Id == withdrawn).Built.Documents.Count);
        // …the takedown arrives and the lane queues its removal before the flush sends anything…
        Assert.Equal("withdrawn", await RelayAsync(indexer, peer.Withdraw(withdrawn, publish: false)));
        var removal = await Lane(indexer).RunOnceAsync(CancellationToken.None);
        Assert.NotNull(removal);
        Assert.Equal([withdrawn], removal.ListingIds);
        // …so the flush leaves that listing to the next flush and sends the others.
        Assert.True(await Flusher(indexer).SendAsync(batch, CancellationToken.None) > 0);
        await indexer.FlushAsync();

        Assert.Empty(await indexer.Search.DocsOfAsync(withdrawn));
        Assert.Empty(await SignedDocsOfAsync(indexer, withdrawn));
        foreach (var id in ids.Skip(1))
        {
            var docs = await indexer.Search.DocsOfAsync(id);
            Assert.Equal(2, docs.Count);
            Assert.All(docs, d => Assert.EndsWith("edited.", d.Description["en"], StringComparison.Ordinal));
            Assert.Single(await SignedDocsOfAsync(indexer, id));
        }
        // No document of the withdrawn listing was queued after its removal (the one documents task after it carries the
        // other five listings' ten documents), and it was deleted once (the flusher waited for the lane's deletion
        // instead of repeating it).
        var after = (await TasksAsync(indexer, DocumentsTask)).Where(t => t.Uid > removal.TaskUids[0]).ToList();
        Assert.Equal(10, Assert.Single(after).Details!.Value.GetProperty("receivedDocuments").GetInt32());
        Assert.Equal(1, await indexer.Search.TaskCountAsync("documentDeletion"));
        Assert.Equal(0, indexer.Store.Read(s => s.Outbox.Size()));
        Assert.Equal(0, indexer.Store.Read(s => s.Outbox.DocCount(withdrawn)));
        Assert.Null(await Lane(indexer).RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_takedown_cancels_the_queued_upsert_of_the_older_version_and_the_replay_loses_no_other_listing()
    {
        await using var indexer = new TestIndexer(meili, DeleteAtOnce);
        await using var peer = await FakePeer.StartAsync("yerevan", time: indexer.Time);
        var ids = peer.PublishMany(8, i => Orgs.Make($"Org {i}", cityCount: 3));
        await indexer.AddPeerAndSyncAsync(peer);
        var withdrawn = ids[3];
        foreach (var id in ids)
        {
            peer.Update(id, o => Orgs.Edited(o, "edited"));
        }
        await PassAsync(indexer);

        var blocker = await QueueBlocker.StartAsync(indexer);
        try
        {
            // The flush queues the edited version of every listing (the withdrawn one included) behind the blocker.
            var flush = Flusher(indexer).FlushOnceAsync(CancellationToken.None);
            await Poll.UntilAsync(async () => (await TasksAsync(indexer, DocumentsTask, MeilisearchTaskStatus.Enqueued)).Count == 1,
                "the flush's documents task to be queued", TimeSpan.FromMinutes(2));
            var upsert = Assert.Single(await TasksAsync(indexer, DocumentsTask, MeilisearchTaskStatus.Enqueued));

            Assert.Equal("withdrawn", await RelayAsync(indexer, peer.Withdraw(withdrawn, publish: false)));
            var removal = await Lane(indexer).RunOnceAsync(CancellationToken.None);
            Assert.NotNull(removal);
            Assert.True(await flush > 0);
            await indexer.FlushAsync();

            // The queued upsert was canceled before it ran; the deletion ran before any documents task queued after it.
            var canceled = await indexer.Search.Client.GetTaskAsync(upsert.Uid);
            Assert.Equal(MeilisearchTaskStatus.Canceled, canceled.Status);
            Assert.NotNull(canceled.CanceledBy);
            var deletion = await indexer.Search.Client.GetTaskAsync(removal.TaskUids[0]);
            Assert.Equal(MeilisearchTaskStatus.Succeeded, deletion.Status);
            var replays = (await TasksAsync(indexer, DocumentsTask, MeilisearchTaskStatus.Succeeded)).Where(t => t.Uid > upsert.Uid).ToList();
            Assert.NotEmpty(replays);
            Assert.All(replays, r => Assert.True(deletion.FinishedAt <= r.StartedAt, $"documents task {r.Uid} started before the deletion {deletion.Uid} ended"));
        }
        finally
        {
            await blocker.DropAsync();
        }

        Assert.Empty(await indexer.Search.DocsOfAsync(withdrawn));
        Assert.Empty(await SignedDocsOfAsync(indexer, withdrawn));
        foreach (var id in ids.Where(i => i != withdrawn))
        {
            var docs = await indexer.Search.DocsOfAsync(id);
            Assert.Equal(3, docs.Count);
            Assert.All(docs, d => Assert.EndsWith("edited.", d.Description["en"], StringComparison.Ordinal));
            Assert.Single(await SignedDocsOfAsync(indexer, id));
        }
        Assert.Equal(0, indexer.Store.Read(s => s.Outbox.Size()));
    }

    [Fact]
    public async Task A_takedown_while_a_large_upsert_is_processing_is_gone_before_that_upsert_would_have_finished()
    {
        await using var indexer = new TestIndexer(meili, DeleteAtOnce);
        await using var peer = await FakePeer.StartAsync("tbilisi", time: indexer.Time);
        // Long descriptions over a large vocabulary make the documents task slow to index (word and proximity extraction).
        string Text(int i) => string.Join(' ', Enumerable.Range(0, 300).Select(k => $"w{(i * 31 + k * 17) % 5000}"));
        var ids = peer.PublishMany(400, i => Orgs.Make($"Org {i}", cityCount: 4) with { Description = new Dictionary<string, string> { ["en"] = Text(i) } });
        await indexer.AddPeerAndSyncAsync(peer);
        var withdrawn = ids[200];
        foreach (var id in ids)
        {
            peer.Update(id, o => Orgs.Edited(o, "edited"));
        }
        await PassAsync(indexer);

        var flush = Flusher(indexer).FlushOnceAsync(CancellationToken.None);
        MeilisearchTask? processing = null;
        await Poll.UntilAsync(async () => (processing = (await TasksAsync(indexer, DocumentsTask, MeilisearchTaskStatus.Processing)).SingleOrDefault()) is not null,
            "the flush's documents task to be processing", TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(10));

        Assert.Equal("withdrawn", await RelayAsync(indexer, peer.Withdraw(withdrawn, publish: false)));
        var removal = await Lane(indexer).RunOnceAsync(CancellationToken.None);
        Assert.NotNull(removal);
        Assert.True(await flush > 0);

        // The batch being processed was aborted (canceled), so it never finished; the deletions ran next, and the
        // documents were written again only after them.
        var upsert = await indexer.Search.Client.GetTaskAsync(processing!.Uid);
        Assert.Equal(MeilisearchTaskStatus.Canceled, upsert.Status);
        var deletions = new List<MeilisearchTask>();
        foreach (var uid in removal.TaskUids)
        {
            deletions.Add(await indexer.Search.Client.WaitForTaskAsync(uid, TimeSpan.FromMinutes(2)));
        }
        await indexer.FlushAsync();
        var replays = (await TasksAsync(indexer, DocumentsTask, MeilisearchTaskStatus.Succeeded)).Where(t => t.Uid > upsert.Uid).ToList();
        Assert.NotEmpty(replays);
        Assert.All(replays, r => Assert.True(deletions[0].FinishedAt <= r.StartedAt, $"documents task {r.Uid} started before the deletion ended"));

        Assert.Empty(await indexer.Search.DocsOfAsync(withdrawn));
        Assert.Empty(await SignedDocsOfAsync(indexer, withdrawn));
        var all = await indexer.Search.DocsAsync();
        Assert.Equal((ids.Count - 1) * 4, all.Count);
        Assert.All(all, d => Assert.EndsWith("edited.", d.Description["en"], StringComparison.Ordinal));
        Assert.Equal(0, indexer.Store.Read(s => s.Outbox.Size()));
    }

    [Fact]
    public async Task A_hidden_node_leaves_search_through_the_lane_and_comes_back_when_shown_again()
    {
        await using var indexer = new TestIndexer(meili, DeleteAtOnce);
        await using var hidden = await FakePeer.StartAsync("paris", time: indexer.Time);
        await using var other = await FakePeer.StartAsync("berlin", time: indexer.Time);
        var gone = hidden.PublishMany(3, i => Orgs.Make($"Paris {i}"));
        var kept = other.Publish(Orgs.Make("Berlin"));
        indexer.AddPeer(hidden);
        indexer.AddPeer(other);
        await indexer.SyncAsync();
        Assert.Equal(4, (await indexer.Search.DocsAsync()).Count);

        Assert.True(indexer.Store.Write(s => s.Peers.Hide("paris", "feed head expired")));
        var removal = await Lane(indexer).RunOnceAsync(CancellationToken.None);
        Assert.NotNull(removal);
        Assert.Equal(gone.Order(StringComparer.Ordinal), removal.ListingIds.Order(StringComparer.Ordinal));
        foreach (var uid in removal.TaskUids)
        {
            await indexer.Search.Client.WaitForTaskAsync(uid, TimeSpan.FromMinutes(2));
        }
        Assert.Equal([kept], (await indexer.Search.DocsAsync()).Select(d => d.ListingId));

        // Shown again (a pass verifies a fresh head) before the flusher even reached the hide: the flusher upserts, the
        // lane does not delete again.
        await PassAsync(indexer);
        Assert.Null(indexer.Store.Read(s => s.Peers.List()).Single(p => p.NodeId == "paris").HiddenReason);
        Assert.Null(await Lane(indexer).RunOnceAsync(CancellationToken.None));
        await indexer.FlushAsync();
        Assert.Null(await Lane(indexer).RunOnceAsync(CancellationToken.None));
        Assert.Equal(gone.Append(kept).Order(StringComparer.Ordinal), (await indexer.Search.DocsAsync()).Select(d => d.ListingId).Order(StringComparer.Ordinal));
    }
}
