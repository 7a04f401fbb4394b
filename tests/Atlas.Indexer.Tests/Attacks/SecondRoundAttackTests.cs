using Atlas.Indexer.Push;
using Atlas.Indexer.State;
using Atlas.Protocol;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Atlas.Indexer.Tests.Attacks;

/// <summary>Issue 15 items 1–4, against fake peers on 127.0.0.1: a key belongs to one node, the head's count is
/// checked, refusals the protocol says must be seen raise alerts, and a replayed expired head does not hide a node.</summary>
public sealed class SecondRoundAttackTests(MeilisearchFixture meili) : IClassFixture<MeilisearchFixture>
{
    [Fact]
    public async Task A_squatted_key_does_not_stop_another_nodes_relayed_takedown_or_push_and_is_alerted()
    {
        await using var indexer = new TestIndexer(meili);
        await using var squatter = await FakePeer.StartAsync("squatter", time: indexer.Time);
        await using var victim = await FakePeer.StartAsync("victim", time: indexer.Time);
        squatter.Publish(Orgs.Make("Squatter's own"));
        var id = victim.Publish(Orgs.Make("Victim's listing"));
        // The squatter lists the victim's public signing key as a (retired) key of its own.
        squatter.RotateKeyset([squatter.Signing, victim.Signing]);
        indexer.AddPeer(squatter); // configured first: the peer a search by kid across peers finds first
        indexer.AddPeer(victim);
        squatter.Offline = true;
        await indexer.SyncAsync(); // the victim proves its key by the listings it signs
        squatter.Offline = false;

        var squatterPass = await indexer.SyncOneAsync(squatter);

        Assert.False(squatterPass.Ok);
        Assert.Contains("belongs to 'victim'", squatterPass.Error);
        var alert = Assert.Single(indexer.Alerts(AlertKinds.KeyConflict));
        Assert.Contains("'squatter'", alert.Message);
        Assert.Contains("'victim'", alert.Message);
        var push = indexer.Services.GetRequiredService<PushHandler>();
        Assert.Equal("already current", push.Notify(victim.SignHead()));
        Assert.Equal("withdrawn", await push.RelayAsync(victim.Withdraw(id, publish: false), CancellationToken.None));
        await indexer.FlushAsync();
        Assert.Empty(await indexer.Search.DocsOfAsync(id));
    }

    [Fact]
    public async Task A_head_whose_root_matches_but_whose_count_does_not_is_refused()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("counted", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Counted"));
        peer.Publish(Orgs.Make("Counted too"));
        var now = indexer.Time.GetUtcNow().ToUnixTimeSeconds();
        peer.HeadOverride = SignedObjects.SignHead(new HeadPayload("counted", peer.FeedSeq, now, now + 3_600, peer.KeysetVersion, 3, peer.CurrentRoot()), peer.Signing);
        indexer.AddPeer(peer);

        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Contains("count 3", result.Error);
        Assert.NotEmpty(indexer.Alerts(AlertKinds.RootMismatch));
        Assert.Empty(await indexer.Search.DocsOfAsync(id));
    }

    [Fact]
    public async Task A_revived_tombstone_refused_while_the_root_still_adds_up_raises_an_alert()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("reviver", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Withdrawn"));
        peer.Withdraw(id);
        await indexer.AddPeerAndSyncAsync(peer);
        var revived = SignedObjects.SignListing(new ListingPayload("reviver", id, 3, SignedObjects.HashOf(peer.Latest(id)!), indexer.Time.GetUtcNow().ToUnixTimeSeconds(),
            ListingStatus.Active, Orgs.Make("Back again")), peer.Signing);
        Hostile.Inject(peer, Hostile.FreeFeedSeq(peer), id, 3, revived);

        var result = await indexer.SyncOneAsync(peer);

        Assert.True(result.Ok, result.Error); // the head names the tombstone: the root adds up
        Assert.Contains(indexer.Alerts(AlertKinds.RevivedTombstone), a => a.ListingId == id);
        Assert.Equal(ListingState.Tombstone, indexer.Store.Read(s => s.Listings.Get("reviver", id))!.State);
        Assert.Empty(await indexer.Search.DocsOfAsync(id));
    }

    [Fact]
    public async Task The_same_keyset_version_with_other_bytes_is_a_split_view_with_an_alert()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("splitkeys", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Keyed"));
        await indexer.AddPeerAndSyncAsync(peer);
        var now = indexer.Time.GetUtcNow().ToUnixTimeSeconds();
        var other = SignedObjects.SignKeyset(new KeysetPayload("splitkeys", 1, now, now + 200 * 86_400, 1, [peer.Root.ToKeyEntry()],
            [peer.Signing.ToKeyEntry(KeyStatus.Current)], []), [peer.Root]);
        peer.Intercept = async ctx =>
        {
            if (ctx.Request.Path != "/atlas/v1/keyset")
            {
                return false;
            }
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(other);
            return true;
        };

        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Contains("split view", result.Error);
        Assert.NotEmpty(indexer.Alerts(AlertKinds.KeysetSplitView));
        Assert.Single(await indexer.Search.DocsOfAsync(id));
    }

    [Fact]
    public async Task A_version_that_does_not_extend_the_version_held_is_a_fork_refused_with_an_alert()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("forked", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Original history"));
        var other = peer.Publish(Orgs.Make("Another listing"));
        await indexer.AddPeerAndSyncAsync(peer);
        // Version 2 built on a version 1 this indexer never held (here: another listing's hash).
        peer.Append(peer.PayloadOf(id) with { Seq = 2, Prev = SignedObjects.HashOf(peer.Latest(other)!), Org = Orgs.Make("Other history") });

        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok); // the head names the fork, which is not held
        Assert.Contains(indexer.Alerts(AlertKinds.Fork), a => a.ListingId == id);
        Assert.Contains(indexer.Evidence(peer), e => e.Reason == nameof(ProtocolError.Fork) && e.ListingId == id);
        Assert.Equal("Original history", Assert.Single(await indexer.Search.DocsOfAsync(id)).Name["en"]);
    }

    [Fact]
    public async Task A_replayed_older_expired_head_is_a_rollback_and_does_not_hide_the_node()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("replayed", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Still valid"));
        await indexer.AddPeerAndSyncAsync(peer); // the newest head, valid for an hour
        var now = indexer.Time.GetUtcNow().ToUnixTimeSeconds();
        peer.HeadOverride = SignedObjects.SignHead(new HeadPayload("replayed", 0, now - 7_200, now - 3_600, peer.KeysetVersion, 0, HeadRoot.Compute([])), peer.Signing);

        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.StartsWith(nameof(ProtocolError.Rollback), result.Error);
        Assert.Null(indexer.Store.Read(s => s.Peers.List()).Single().HiddenReason);
        Assert.Single(await indexer.Search.DocsOfAsync(id));
    }

    [Fact]
    public async Task The_nodes_newest_head_having_expired_freezes_and_hides_the_node()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("frozen", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Frozen"));
        await indexer.AddPeerAndSyncAsync(peer);
        indexer.Time.Advance(TimeSpan.FromMinutes(2));
        var now = indexer.Time.GetUtcNow().ToUnixTimeSeconds();
        // Newer than the head held (signed after it), already expired: the node stopped re-signing.
        peer.HeadOverride = SignedObjects.SignHead(new HeadPayload("frozen", peer.FeedSeq, now - 60, now - 10, peer.KeysetVersion, 1, peer.CurrentRoot()), peer.Signing);

        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.StartsWith(nameof(ProtocolError.Expired), result.Error);
        Assert.NotNull(indexer.Store.Read(s => s.Peers.List()).Single().HiddenReason);
        Assert.Empty(await indexer.Search.DocsOfAsync(id));
    }
}
