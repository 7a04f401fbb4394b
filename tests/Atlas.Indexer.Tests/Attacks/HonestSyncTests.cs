
namespace Atlas.Indexer.Tests.Attacks;

public sealed class HonestSyncTests(MeilisearchFixture meili) : IClassFixture<MeilisearchFixture>
{
    [Fact]
    public async Task Honest_peer_listings_reach_search_with_contract_fields()
    {
        await using var indexer = new TestIndexer(meili);
        await using var berlin = await FakePeer.StartAsync("berlin", "Atlas Berlin", indexer.Time);
        var id = berlin.Publish(Orgs.Make("Ковчег", cityCount: 3));
        var online = berlin.Publish(Orgs.Make("Online help") with
        {
            Locations = [new Protocol.Model.Location("online", null, null, null, null, null, null, ["*"])],
        });
        indexer.AddPeer(berlin);

        var result = await indexer.SyncOneAsync(berlin);

        Assert.True(result.Ok, result.Error);
        Assert.Equal(2, result.Applied);
        var docs = await indexer.Search.DocsOfAsync(id);
        Assert.Equal([$"{id}_0", $"{id}_1", $"{id}_2"], docs.Select(d => d.DocId));
        Assert.Equal(["Berlin", "Tbilisi", "Yerevan"], docs.Select(d => d.City));
        Assert.All(docs, d => Assert.Equal(["Berlin", "Tbilisi", "Yerevan"], d.Cities));
        var first = docs[0];
        Assert.Equal("berlin", first.Node);
        Assert.Equal("Atlas Berlin", first.NodeName);
        Assert.Equal(52.52, first.Geo!.Lat);
        Assert.Equal("berlin", first.Provenance.Node);
        Assert.Equal(1, first.Provenance.Seq);
        Assert.Equal(berlin.Signing.Kid, first.Provenance.Kid);
        Assert.True(first.HasContact);
        Assert.False(first.Endorsed);
        Assert.False(first.HasAlerts);
        var onlineDoc = Assert.Single(await indexer.Search.DocsOfAsync(online));
        Assert.Null(onlineDoc.Geo);
        Assert.Null(onlineDoc.City);
        Assert.True(onlineDoc.Online);

        // Second pass with no changes: nothing applied, nothing re-flushed.
        var tasksBefore = await indexer.Search.UpsertTasksAsync();
        var again = await indexer.SyncOneAsync(berlin);
        Assert.True(again.Ok, again.Error);
        Assert.Equal(0, again.Applied);
        Assert.Equal(tasksBefore, await indexer.Search.UpsertTasksAsync());
    }

    [Fact]
    public async Task Incremental_sync_applies_only_changes_and_tombstones_remove_documents()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("tbilisi", time: indexer.Time);
        var ids = peer.PublishMany(20, i => Orgs.Make($"Org {i}", cityCount: 2));
        await indexer.AddPeerAndSyncAsync(peer);
        Assert.Equal(40, (await indexer.Search.DocsAsync()).Count);

        peer.Update(ids[0], o => o with { Locations = o.Locations.Take(1).ToList() });
        peer.Withdraw(ids[1]);
        var result = await indexer.SyncOneAsync(peer);

        Assert.True(result.Ok, result.Error);
        Assert.Equal(2, result.Applied);
        Assert.Single(await indexer.Search.DocsOfAsync(ids[0]));
        Assert.Empty(await indexer.Search.DocsOfAsync(ids[1]));
        Assert.Equal(37, (await indexer.Search.DocsAsync()).Count);
    }

    [Fact]
    public async Task Change_feed_is_paged_and_cursor_resumes()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("paris", time: indexer.Time);
        peer.PublishMany(1200, i => Orgs.Make($"Org {i}"));
        indexer.AddPeer(peer);

        var result = await indexer.SyncOneAsync(peer);

        Assert.True(result.Ok, result.Error);
        Assert.Equal(1200, result.Applied);
        Assert.Equal(1200, (await indexer.Search.DocsAsync()).Count);
        Assert.Equal(peer.FeedSeq, indexer.Store.Read(s => s.Peers.List()).Single().Cursor);
    }
}
