using Atlas.Indexer.State;
using Atlas.Protocol;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;

namespace Atlas.Indexer.Tests.Attacks;

/// <summary>Threat model attacks 1, 4, 5, 6, 8, 9, 16, 18: forged or replayed listing versions.</summary>
public sealed class ForgeryAndStateAttackTests(MeilisearchFixture meili) : IClassFixture<MeilisearchFixture>
{
    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    [Fact]
    public async Task A01_Forgery_with_unknown_key_is_rejected_and_logged()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        var honest = peer.Publish(Orgs.Make("Honest"));
        indexer.AddPeer(peer);
        var slot = Hostile.FreeFeedSeq(peer);
        var forgedId = Guid.NewGuid().ToString("D");
        using var outsider = AtlasKey.Generate();
        var forged = SignedObjects.SignListing(new ListingPayload("berlin", forgedId, 1, null, Now, ListingStatus.Active, Orgs.Make("Fake")), outsider);
        Hostile.Inject(peer, slot, forgedId, 1, forged);

        var result = await indexer.SyncOneAsync(peer);

        Assert.True(result.Ok, result.Error);
        Assert.NotEmpty(await indexer.Search.DocsOfAsync(honest));
        Assert.Empty(await indexer.Search.DocsOfAsync(forgedId));
        Assert.Contains(indexer.Evidence(peer), e => e.Reason == nameof(ProtocolError.UnknownKey) && e.ListingId == forgedId);
    }

    [Fact]
    public async Task A01_Forgery_with_another_nodes_key_or_issuer_is_rejected()
    {
        await using var indexer = new TestIndexer(meili);
        await using var a = await FakePeer.StartAsync("node-a", time: indexer.Time);
        await using var b = await FakePeer.StartAsync("node-b", time: indexer.Time);
        a.Publish(Orgs.Make("A org"));
        b.Publish(Orgs.Make("B org"));
        indexer.AddPeer(a);
        indexer.AddPeer(b);
        var slot1 = Hostile.FreeFeedSeq(b);
        var slot2 = Hostile.FreeFeedSeq(b);
        string id1 = Guid.NewGuid().ToString("D"), id2 = Guid.NewGuid().ToString("D");
        // B serves a listing that claims iss=node-b but is signed with A's key, and one signed by B claiming iss=node-a.
        Hostile.Inject(b, slot1, id1, 1, SignedObjects.SignListing(new ListingPayload("node-b", id1, 1, null, Now, ListingStatus.Active, Orgs.Make("X")), a.Signing));
        Hostile.Inject(b, slot2, id2, 1, SignedObjects.SignListing(new ListingPayload("node-a", id2, 1, null, Now, ListingStatus.Active, Orgs.Make("Y")), b.Signing));

        var results = await indexer.SyncAsync();

        Assert.All(results, r => Assert.True(r.Ok, r.Error));
        var evidence = indexer.Evidence(b);
        Assert.Contains(evidence, e => e.ListingId == id1 && e.Reason == nameof(ProtocolError.UnknownKey));
        Assert.Contains(evidence, e => e.ListingId == id2 && e.Reason == nameof(ProtocolError.WrongIssuer));
        Assert.Empty(await indexer.Search.DocsOfAsync(id1));
        Assert.Empty(await indexer.Search.DocsOfAsync(id2));
    }

    [Fact]
    public async Task A04_Rollback_keeps_the_newer_version_and_is_logged()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("yerevan", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Original"));
        var v1 = peer.Latest(id)!;
        await indexer.AddPeerAndSyncAsync(peer);
        peer.Update(id, o => o with { Name = new Dictionary<string, string> { ["en"] = "Renamed" } });
        Assert.True((await indexer.SyncOneAsync(peer)).Ok);

        var slot = Hostile.FreeFeedSeq(peer);
        Hostile.Inject(peer, slot, id, 1, v1);
        var result = await indexer.SyncOneAsync(peer);

        Assert.True(result.Ok, result.Error);
        var doc = Assert.Single(await indexer.Search.DocsOfAsync(id));
        Assert.Equal(2, doc.Provenance.Seq);
        Assert.Equal("Renamed", doc.Name["en"]);
        Assert.Contains(indexer.Evidence(peer), e => e.Reason == nameof(ProtocolError.Rollback) && e.ListingId == id);
    }

    [Fact]
    public async Task A04_Old_version_served_to_a_fresh_indexer_is_not_indexed()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("yerevan", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Original"));
        var v1 = peer.Latest(id)!;
        peer.Update(id, o => o with { Name = new Dictionary<string, string> { ["en"] = "Current" } });
        peer.MutatePage = page => page with { Entries = page.Entries.Select(e => e.Id == id ? e with { Seq = 1, Jws = v1 } : e).ToList() };
        indexer.AddPeer(peer);

        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Contains("head says", result.Error);
        Assert.Empty(await indexer.Search.DocsAsync());
        Assert.NotEmpty(indexer.Alerts(AlertKinds.RootMismatch));
    }

    [Fact]
    public async Task A05_Equivocation_is_rejected_kept_as_evidence_and_alerts()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("paris", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Original"));
        var original = peer.Latest(id)!;
        await indexer.AddPeerAndSyncAsync(peer);

        // The node's key signs a second, different payload with the same seq and the head names it.
        var twin = peer.PayloadOf(id) with { Org = Orgs.Make("Twin") };
        peer.Append(twin);
        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Equal("Original", Assert.Single(await indexer.Search.DocsOfAsync(id)).Name["en"]);
        var evidence = indexer.Evidence(peer).Where(e => e.Reason == nameof(ProtocolError.Equivocation)).Select(e => e.Raw).ToList();
        Assert.Contains(original, evidence);
        Assert.Contains(peer.Latest(id)!, evidence);
        var alert = Assert.Single(indexer.Alerts(AlertKinds.Equivocation));
        Assert.Equal(id, alert.ListingId);
        await indexer.FlushAsync();
        Assert.Contains((await indexer.Search.DocsOfAsync(id))[0].Alerts, a => a.Kind == AlertKinds.Equivocation);
    }

    [Theory]
    [InlineData(ProtocolLimits.MaxSeqStep + 2)]
    [InlineData(9007199254740991)]
    public async Task A06_Fast_forward_seq_jump_is_rejected(long seq)
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Steady"));
        await indexer.AddPeerAndSyncAsync(peer);

        peer.Append(peer.PayloadOf(id) with { Seq = seq, Prev = SignedObjects.HashOf(peer.Latest(id)!), Org = Orgs.Make("Jumped") });
        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        var doc = Assert.Single(await indexer.Search.DocsOfAsync(id));
        Assert.Equal(1, doc.Provenance.Seq);
        Assert.Contains(indexer.Evidence(peer), e => e.Reason == nameof(ProtocolError.FastForward));
    }

    [Fact]
    public async Task A08_Mix_and_match_version_not_named_by_the_head_is_not_indexed()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("tbilisi", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Named"));
        await indexer.AddPeerAndSyncAsync(peer);

        // A validly signed newer version that the head does not commit to (e.g. withheld, or from another view).
        var unnamed = SignedObjects.SignListing(peer.PayloadOf(id) with { Seq = 2, Prev = SignedObjects.HashOf(peer.Latest(id)!), Org = Orgs.Make("Unnamed") }, peer.Signing);
        var slot = Hostile.FreeFeedSeq(peer);
        Hostile.Inject(peer, slot, id, 2, unnamed);
        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Equal("Named", Assert.Single(await indexer.Search.DocsOfAsync(id)).Name["en"]);
        Assert.NotEmpty(indexer.Alerts(AlertKinds.RootMismatch));
        Assert.Equal(1, indexer.Store.Read(s => s.Listings.Get("tbilisi", id))!.Seq);
    }

    [Fact]
    public async Task A09_Forged_takedown_signed_by_another_node_is_ignored()
    {
        await using var indexer = new TestIndexer(meili);
        await using var a = await FakePeer.StartAsync("node-a", time: indexer.Time);
        await using var b = await FakePeer.StartAsync("node-b", time: indexer.Time);
        var victim = a.Publish(Orgs.Make("Victim"));
        indexer.AddPeer(a);
        indexer.AddPeer(b);
        Assert.All(await indexer.SyncAsync(), r => Assert.True(r.Ok, r.Error));

        b.Append(new ListingPayload("node-b", victim, 2, SignedObjects.HashOf(a.Latest(victim)!), Now, ListingStatus.Tombstone, null));
        var results = await indexer.SyncAsync();

        Assert.All(results, r => Assert.True(r.Ok, r.Error));
        Assert.NotEmpty(await indexer.Search.DocsOfAsync(victim));
        Assert.Equal(ListingState.Conflict, indexer.Store.Read(s => s.Listings.Get("node-b", victim))!.State);
        Assert.NotEmpty(indexer.Alerts(AlertKinds.IdConflict));
    }

    [Fact]
    public async Task A16_Malleated_signature_is_the_same_version_without_alert()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Stable"));
        await indexer.AddPeerAndSyncAsync(peer);

        var malleated = Hostile.Malleate(peer.Latest(id)!);
        Assert.NotEqual(peer.Latest(id), malleated);
        var slot = Hostile.FreeFeedSeq(peer);
        Hostile.Inject(peer, slot, id, 1, malleated);
        var result = await indexer.SyncOneAsync(peer);

        Assert.True(result.Ok, result.Error);
        Assert.Empty(indexer.Alerts(AlertKinds.Equivocation));
        Assert.DoesNotContain(indexer.Evidence(peer), e => e.ListingId == id);
        Assert.Equal(1, Assert.Single(await indexer.Search.DocsOfAsync(id)).Provenance.Seq);
    }

    [Fact]
    public async Task A18_Wrong_object_asked_X_got_Y_is_rejected()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        var x = peer.Publish(Orgs.Make("X"));
        var y = peer.Publish(Orgs.Make("Y"));
        peer.MutatePage = page => page with { Entries = page.Entries.Select(e => e.Id == x ? e with { Jws = peer.Latest(y)! } : e).ToList() };
        indexer.AddPeer(peer);

        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Contains(indexer.Evidence(peer), e => e.Reason == nameof(ProtocolError.WrongObject) && e.ListingId == x);
        Assert.Empty(await indexer.Search.DocsAsync());
    }
}
