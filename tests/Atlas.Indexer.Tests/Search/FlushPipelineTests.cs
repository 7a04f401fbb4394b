using Atlas.Indexer.Meilisearch;
using Atlas.Indexer.Search;
using Atlas.Indexer.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace Atlas.Indexer.Tests.Search;

/// <summary>The pipelined drain (<see cref="IndexerOptions.FlushPipelineDepth"/>) against a real Meilisearch: several
/// flushes queued at once are merged by Meilisearch and completed in order; a flush whose upsert is canceled lets the
/// flushes queued behind it go, and the drain replays everything from the state, losing nothing and resurrecting
/// nothing. A large write on a scratch index holds Meilisearch's queue so that the flushes queue up behind it; every
/// assertion is on documents, outbox and tasks, none on time.</summary>
[Collection(IndexerMeilisearchCollection.Name)]
public sealed class FlushPipelineTests(MeilisearchFixture meili)
{
    private const string DocumentsTask = "documentAdditionOrUpdate";

    private static readonly Dictionary<string, string?> Pipelined = new()
    {
        ["Indexer:FlushBatchSize"] = "25",
        ["Indexer:FlushPipelineDepth"] = "4",
    };

    private static SearchFlusher Flusher(TestIndexer indexer) => indexer.Services.GetRequiredService<SearchFlusher>();

    /// <summary>One pass over all peers without a flush: the outbox holds what it committed.</summary>
    private static async Task PassAsync(TestIndexer indexer)
    {
        var results = await indexer.Services.GetRequiredService<SyncRunner>().SyncAllOnceAsync(CancellationToken.None);
        Assert.All(results, r => Assert.True(r.Ok, r.Error));
    }

    private static async Task<IReadOnlyList<MeilisearchTask>> UpsertsAsync(TestIndexer indexer, params MeilisearchTaskStatus[] statuses) =>
        (await indexer.Search.Client.GetTasksAsync(new MeilisearchTaskQuery
        {
            IndexUids = [indexer.Index],
            Types = [DocumentsTask],
            Statuses = statuses.Length == 0 ? null : statuses,
            Limit = 1000,
        })).Results;




    private static async Task AssertEveryListingAsync(TestIndexer indexer, IReadOnlyList<string> ids, string? mark, int places)
    {
        var docs = await indexer.Search.DocsAsync();
        Assert.Equal(ids.Count * places, docs.Count);
        foreach (var id in ids)
        {
            var of = docs.Where(d => d.ListingId == id).ToList();
            Assert.Equal(places, of.Count);
            if (mark is not null)
            {
                Assert.All(of, d => Assert.EndsWith(mark + ".", d.Description["en"], StringComparison.Ordinal));
            }
            Assert.Equal(places, indexer.Store.Read(s => s.Outbox.DocCount(id)));
        }
        Assert.Equal(0, indexer.Store.Read(s => s.Outbox.Size()));
    }

    [Fact]
    public async Task Flushes_queued_together_are_merged_by_meilisearch_and_the_outbox_is_completed_in_order()
    {
        await using var indexer = new TestIndexer(meili, Pipelined);
        await using var peer = await FakePeer.StartAsync("vilnius", time: indexer.Time);
        var ids = peer.PublishMany(100, i => Orgs.Make($"Org {i}", cityCount: 2));
        indexer.AddPeer(peer);
        await PassAsync(indexer);
        Assert.Equal(100, indexer.Store.Read(s => s.Outbox.Size()));

        var blocker = await QueueBlocker.StartAsync(indexer);
        await Flusher(indexer).FlushAllAsync(CancellationToken.None);
        await blocker.DropAsync();

        await AssertEveryListingAsync(indexer, ids, mark: null, places: 2);
        // Four flushes of 25 listings, queued behind the blocker before the first was waited for: Meilisearch ran their
        // documents in fewer batches than tasks (one, unless the blocker ended before the fourth was queued).
        var upserts = await UpsertsAsync(indexer, MeilisearchTaskStatus.Succeeded);
        Assert.Equal(4, upserts.Count);
        Assert.True(upserts.Select(t => t.BatchUid).Distinct().Count() < upserts.Count,
            $"batches: {string.Join(", ", upserts.Select(t => t.BatchUid))}");
        Assert.All(upserts, t => Assert.Equal(50, t.Details!.Value.GetProperty("receivedDocuments").GetInt32()));
    }

    [Fact]
    public async Task A_canceled_flush_lets_the_flushes_queued_behind_it_go_and_the_drain_replays_the_newest_state()
    {
        await using var indexer = new TestIndexer(meili, Pipelined);
        await using var peer = await FakePeer.StartAsync("tbilisi", time: indexer.Time);
        var ids = peer.PublishMany(100, i => Orgs.Make($"Org {i}", cityCount: 2));
        await indexer.AddPeerAndSyncAsync(peer);
        foreach (var id in ids)
        {
            peer.Update(id, o => Orgs.Edited(o, "first"));
        }
        await PassAsync(indexer);

        var blocker = await QueueBlocker.StartAsync(indexer);
        var draining = Flusher(indexer).FlushAllAsync(CancellationToken.None);
        // Wait (bounded) until the four flushes are queued behind the blocker, then cancel every queued upsert, as the
        // removal lane does to let a deletion past them.
        for (var i = 0; i < 200 && (await UpsertsAsync(indexer, MeilisearchTaskStatus.Enqueued)).Count < 4; i++)
        {
            await Task.Delay(50);
        }
        Assert.Equal(4, (await UpsertsAsync(indexer, MeilisearchTaskStatus.Enqueued)).Count);
        // A newer edit of some listings lands while the canceled flushes still hold the older version.
        foreach (var id in ids.Take(10))
        {
            peer.Update(id, o => Orgs.Edited(o, "second"));
        }
        await PassAsync(indexer);
        var cancel = await indexer.Search.Client.CancelTasksAsync(new MeilisearchTaskQuery
        {
            IndexUids = [indexer.Index, SignedIndexSettings.UidFor(indexer.Index)],
            Types = [DocumentsTask],
            Statuses = [MeilisearchTaskStatus.Enqueued],
        });
        await indexer.Search.Client.WaitForTaskAsync(cancel.TaskUid, TimeSpan.FromMinutes(5));
        await draining;
        await blocker.DropAsync();

        Assert.Equal(4, (await UpsertsAsync(indexer, MeilisearchTaskStatus.Canceled)).Count);
        var docs = await indexer.Search.DocsAsync();
        Assert.Equal(200, docs.Count);
        foreach (var id in ids)
        {
            var of = docs.Where(d => d.ListingId == id).ToList();
            Assert.Equal(2, of.Count);
            var mark = ids.Take(10).Contains(id) ? "second." : "first.";
            Assert.All(of, d => Assert.EndsWith(mark, d.Description["en"], StringComparison.Ordinal));
        }
        Assert.Equal(0, indexer.Store.Read(s => s.Outbox.Size()));
        Assert.All(ids, id => Assert.Equal(2, indexer.Store.Read(s => s.Outbox.DocCount(id))));
    }

    [Fact]
    public async Task An_edit_committed_while_a_flush_is_waited_for_is_queued_at_once_not_after_it()
    {
        await using var indexer = new TestIndexer(meili, Pipelined);
        await using var peer = await FakePeer.StartAsync("yerevan", time: indexer.Time);
        var ids = peer.PublishMany(10, i => Orgs.Make($"Org {i}"));
        await indexer.AddPeerAndSyncAsync(peer);
        foreach (var id in ids)
        {
            peer.Update(id, o => Orgs.Edited(o, "first"));
        }
        await PassAsync(indexer);

        var blocker = await QueueBlocker.StartAsync(indexer);
        var draining = Flusher(indexer).FlushAllAsync(CancellationToken.None);
        for (var i = 0; i < 200 && (await UpsertsAsync(indexer, MeilisearchTaskStatus.Enqueued)).Count < 1; i++)
        {
            await Task.Delay(50);
        }
        var first = Assert.Single(await UpsertsAsync(indexer, MeilisearchTaskStatus.Enqueued));
        // The state commits an edit while the drain waits for the first flush (still behind the blocker).
        foreach (var id in ids.Take(3))
        {
            peer.Update(id, o => Orgs.Edited(o, "second"));
        }
        await PassAsync(indexer);
        for (var i = 0; i < 200 && (await UpsertsAsync(indexer, MeilisearchTaskStatus.Enqueued)).Count < 2; i++)
        {
            await Task.Delay(50);
        }
        var queued = await UpsertsAsync(indexer, MeilisearchTaskStatus.Enqueued);
        Assert.Equal(2, queued.Count);
        Assert.Equal(first.Uid, queued.Min(t => t.Uid));
        await draining;
        await blocker.DropAsync();

        var docs = await indexer.Search.DocsAsync();
        Assert.Equal(10, docs.Count);
        Assert.All(docs, d => Assert.EndsWith(ids.Take(3).Contains(d.ListingId) ? "second." : "first.", d.Description["en"], StringComparison.Ordinal));
        Assert.Equal(0, indexer.Store.Read(s => s.Outbox.Size()));
        // Both flushes ran in one Meilisearch batch.
        var upserts = await UpsertsAsync(indexer, MeilisearchTaskStatus.Succeeded);
        Assert.Equal(upserts.Single(t => t.Uid == first.Uid).BatchUid, upserts.Single(t => t.Uid == queued.Max(q => q.Uid)).BatchUid);
    }
}
