using Atlas.Indexer.State;
using Atlas.Protocol.Model;

namespace Atlas.Indexer.Tests.Attacks;

/// <summary>Threat model attacks 2 and 3: what signatures cannot catch (a trusted but infiltrated node, a stolen key).</summary>
public sealed class InsiderAttackTests(MeilisearchFixture meili) : IClassFixture<MeilisearchFixture>
{
    [Fact]
    public async Task A03_Contact_change_is_held_back_with_an_alert_then_released()
    {
        await using var indexer = new TestIndexer(meili, new() { ["Indexer:ContactCoolOff"] = "00:00:30" });
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Target", email: "real@example.org"));
        await indexer.AddPeerAndSyncAsync(peer);

        peer.Update(id, o => o with { Contacts = [new Contact("email", "trap@example.ru", null, false)], Description = new Dictionary<string, string> { ["en"] = "Also edited." } });
        Assert.True((await indexer.SyncOneAsync(peer)).Ok);

        var held = Assert.Single(await indexer.Search.DocsOfAsync(id));
        Assert.Equal("real@example.org", held.Contacts.Single().Value);
        Assert.Equal(1, held.Provenance.Seq);
        var alert = Assert.Single(held.Alerts);
        Assert.Equal(AlertKinds.ContactChanged, alert.Kind);
        Assert.True(held.HasAlerts);
        Assert.Equal(2, indexer.Store.Read(s => s.Listings.Get("berlin", id))!.Seq);

        indexer.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.True((await indexer.SyncOneAsync(peer)).Ok);

        var released = Assert.Single(await indexer.Search.DocsOfAsync(id));
        Assert.Equal("trap@example.ru", released.Contacts.Single().Value);
        Assert.Equal(2, released.Provenance.Seq);
        Assert.Empty(released.Alerts);
    }

    [Fact]
    public async Task A03_Edits_without_contact_changes_are_not_held()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Target"));
        await indexer.AddPeerAndSyncAsync(peer);

        peer.Update(id, o => o with { Name = new Dictionary<string, string> { ["en"] = "Renamed" } });
        Assert.True((await indexer.SyncOneAsync(peer)).Ok);

        var doc = Assert.Single(await indexer.Search.DocsOfAsync(id));
        Assert.Equal("Renamed", doc.Name["en"]);
        Assert.Empty(indexer.Alerts(AlertKinds.ContactChanged));
    }

    [Fact]
    public async Task A02_Endorsed_only_when_two_independent_nodes_vouch()
    {
        await using var indexer = new TestIndexer(meili);
        await using var a = await FakePeer.StartAsync("node-a", time: indexer.Time);
        await using var b = await FakePeer.StartAsync("node-b", time: indexer.Time);
        await using var c = await FakePeer.StartAsync("node-c", time: indexer.Time);
        var target = a.Publish(Orgs.Make("Target"));
        a.Publish(Orgs.Make("Self-vouch", relatedTo: [target]));
        b.Publish(Orgs.Make("B partner", relatedTo: [target]));
        foreach (var p in new[] { a, b, c })
        {
            indexer.AddPeer(p);
        }
        Assert.All(await indexer.SyncAsync(), r => Assert.True(r.Ok, r.Error));

        var once = Assert.Single(await indexer.Search.DocsOfAsync(target));
        Assert.Equal(["node-b"], once.EndorsedBy);
        Assert.False(once.Endorsed);

        c.Publish(Orgs.Make("C partner", relatedTo: [target]));
        Assert.All(await indexer.SyncAsync(), r => Assert.True(r.Ok, r.Error));

        var twice = Assert.Single(await indexer.Search.DocsOfAsync(target));
        Assert.Equal(["node-b", "node-c"], twice.EndorsedBy);
        Assert.True(twice.Endorsed);
    }

    [Fact]
    public async Task A02_Burst_of_new_organisations_from_one_node_is_quarantined()
    {
        await using var indexer = new TestIndexer(meili, new() { ["Indexer:MaxNewOrganisationsPerNodePerDay"] = "2" });
        await using var peer = await FakePeer.StartAsync("burst", time: indexer.Time);
        peer.PublishMany(3, i => Orgs.Make($"Initial {i}"));
        await indexer.AddPeerAndSyncAsync(peer);
        Assert.Equal(3, (await indexer.Search.DocsAsync()).Count);

        var burst = peer.PublishMany(3, i => Orgs.Make($"Burst {i}"));
        Assert.True((await indexer.SyncOneAsync(peer)).Ok);

        Assert.Equal(5, (await indexer.Search.DocsAsync()).Count);
        Assert.Empty(await indexer.Search.DocsOfAsync(burst[2]));
        var row = indexer.Store.Read(s => s.Listings.Get("burst", burst[2]))!;
        Assert.Equal(ListingState.Quarantined, row.State);
        Assert.Contains("new organisations", row.Reason);
        Assert.Contains(indexer.Alerts(AlertKinds.NewNodeBurst), a => a.ListingId == burst[2]);
    }

    [Fact]
    public async Task A02_Confusable_names_raise_alerts()
    {
        await using var indexer = new TestIndexer(meili);
        await using var a = await FakePeer.StartAsync("node-a", time: indexer.Time);
        await using var b = await FakePeer.StartAsync("node-b", time: indexer.Time);
        var original = a.Publish(Orgs.Make("Kovcheg Berlin"));
        indexer.AddPeer(a);
        indexer.AddPeer(b);
        Assert.All(await indexer.SyncAsync(), r => Assert.True(r.Ok, r.Error));

        // Cyrillic о and е inside Latin words: looks identical, is a different name.
        var copy = b.Publish(Orgs.Make("Kоvchеg Berlin"));
        var honest = b.Publish(Orgs.Make("Ковчег Тбилиси"));
        Assert.All(await indexer.SyncAsync(), r => Assert.True(r.Ok, r.Error));

        var alerts = indexer.Alerts(AlertKinds.ConfusableName).Where(x => x.ListingId == copy).Select(x => x.Message).ToList();
        Assert.Contains(alerts, m => m.Contains("mixes Latin and Cyrillic"));
        Assert.Contains(alerts, m => m.Contains(original));
        Assert.True(Assert.Single(await indexer.Search.DocsOfAsync(copy)).HasAlerts);
        Assert.DoesNotContain(indexer.Alerts(AlertKinds.ConfusableName), x => x.ListingId == honest || x.ListingId == original);
    }
}
