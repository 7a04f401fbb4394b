using System.IO.Compression;
using System.Text;
using Atlas.Indexer.State;
using Atlas.Protocol;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Microsoft.AspNetCore.Http;

namespace Atlas.Indexer.Tests.Attacks;

/// <summary>Threat model attacks 7, 10–15, 17, 19: stale or forged trust roots, confusion, hostile transport.</summary>
public sealed class TrustAndTransportAttackTests(MeilisearchFixture meili) : IClassFixture<MeilisearchFixture>
{
    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    [Fact]
    public async Task A07_Stale_head_hides_the_node_until_it_serves_a_fresh_one()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Frozen"));
        await indexer.AddPeerAndSyncAsync(peer);
        Assert.NotEmpty(await indexer.Search.DocsOfAsync(id));

        peer.HeadOverride = peer.SignHead(exp: Now - 10);
        var frozen = await indexer.SyncOneAsync(peer);

        Assert.False(frozen.Ok);
        Assert.Contains(nameof(ProtocolError.Expired), frozen.Error);
        Assert.Empty(await indexer.Search.DocsOfAsync(id));
        Assert.NotNull(indexer.Store.Read(s => s.Peers.List()).Single().HiddenReason);

        peer.HeadOverride = null;
        Assert.True((await indexer.SyncOneAsync(peer)).Ok);
        Assert.NotEmpty(await indexer.Search.DocsOfAsync(id));
    }

    [Fact]
    public async Task A07_Stored_head_expiring_while_the_node_is_unreachable_hides_it()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Suppressed"));
        await indexer.AddPeerAndSyncAsync(peer);

        peer.Offline = true;
        indexer.Time.Advance(peer.HeadLifetime + TimeSpan.FromMinutes(1));
        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Empty(await indexer.Search.DocsOfAsync(id));
        Assert.NotEmpty(indexer.Alerts(AlertKinds.NodeHidden));
    }

    [Fact]
    public async Task A10_Revoked_key_hides_its_listings_until_they_are_resigned()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("paris", time: indexer.Time);
        var ids = peer.PublishMany(3, i => Orgs.Make($"Org {i}"));
        var stolen = peer.Signing;
        await indexer.AddPeerAndSyncAsync(peer);
        Assert.Equal(3, (await indexer.Search.DocsAsync()).Count);

        using var fresh = AtlasKey.Generate();
        peer.RotateKeyset([fresh], revoked: [stolen.Kid]);
        var revoked = await indexer.SyncOneAsync(peer);

        Assert.True(revoked.Ok, revoked.Error);
        Assert.Empty(await indexer.Search.DocsAsync());
        Assert.All(ids, id => Assert.Equal(ListingState.Revoked, indexer.Store.Read(s => s.Listings.Get("paris", id))!.State));

        peer.ResignAll();
        Assert.True((await indexer.SyncOneAsync(peer)).Ok);
        Assert.Equal(3, (await indexer.Search.DocsAsync()).Count);
        Assert.All(await indexer.Search.DocsAsync(), d => Assert.Equal(fresh.Kid, d.Provenance.Kid));
    }

    [Fact]
    public async Task A11_Keyset_versions_are_walked_in_order()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("yerevan", time: indexer.Time);
        peer.Publish(Orgs.Make("Walker"));
        await indexer.AddPeerAndSyncAsync(peer);

        using var k2 = AtlasKey.Generate();
        using var k3 = AtlasKey.Generate();
        using var newRoot = AtlasKey.Generate();
        peer.RotateKeyset([k2]);
        peer.RotateKeyset([k3], newRoots: [newRoot]);
        var result = await indexer.SyncOneAsync(peer);

        Assert.True(result.Ok, result.Error);
        Assert.Equal(3, indexer.Store.Read(s => s.Peers.List()).Single().KeysetVersion);
    }

    [Fact]
    public async Task A11_Skipped_keyset_version_is_rejected()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("yerevan", time: indexer.Time);
        peer.Publish(Orgs.Make("Walker"));
        await indexer.AddPeerAndSyncAsync(peer);

        using var k2 = AtlasKey.Generate();
        using var k3 = AtlasKey.Generate();
        peer.RotateKeyset([k2]);
        peer.RotateKeyset([k3]);
        // The history hides version 2: asked for it, the node answers with version 3.
        peer.Intercept = async ctx =>
        {
            if (ctx.Request.Path == "/atlas/v1/keyset/2")
            {
                await ctx.Response.WriteAsync(peer.KeysetJson(3));
                return true;
            }
            return false;
        };
        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Contains(nameof(ProtocolError.KeysetGap), result.Error);
        Assert.Equal(1, indexer.Store.Read(s => s.Peers.List()).Single().KeysetVersion);
    }

    [Fact]
    public async Task A11_Keyset_not_signed_by_a_threshold_of_the_old_roots_is_rejected()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("yerevan", time: indexer.Time);
        peer.Publish(Orgs.Make("Rooted"));
        await indexer.AddPeerAndSyncAsync(peer);

        using var attackerRoot = AtlasKey.Generate();
        using var attackerSigning = AtlasKey.Generate();
        peer.RotateKeyset([attackerSigning], newRoots: [attackerRoot], signers: [attackerRoot]);
        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Contains(nameof(ProtocolError.KeysetThreshold), result.Error);
    }

    [Fact]
    public async Task A11_First_keyset_must_carry_the_pinned_root()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("yerevan", time: indexer.Time);
        using var other = AtlasKey.Generate();
        indexer.AddPeer(peer, rootKid: other.Kid);

        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Contains(nameof(ProtocolError.PinMismatch), result.Error);
    }

    [Fact]
    public async Task A12_Stale_keyset_accepts_nothing_new_and_hides_the_node()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("tbilisi", time: indexer.Time);
        var id = peer.Publish(Orgs.Make("Aging"));
        using var k2 = AtlasKey.Generate();
        peer.RotateKeyset([k2, peer.Signing], exp: indexer.Time.GetUtcNow().ToUnixTimeSeconds() + 120);
        await indexer.AddPeerAndSyncAsync(peer);
        Assert.NotEmpty(await indexer.Search.DocsOfAsync(id));

        indexer.Time.Advance(TimeSpan.FromMinutes(3));
        var later = peer.Publish(Orgs.Make("Too late"));
        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Contains(nameof(ProtocolError.Expired), result.Error);
        Assert.Empty(await indexer.Search.DocsAsync());
        Assert.Null(indexer.Store.Read(s => s.Listings.Get("tbilisi", later)));
    }

    public static TheoryData<string, string> Confusions() => new()
    {
        { "alg none", nameof(ProtocolError.BadHeader) },
        { "HS256", nameof(ProtocolError.BadHeader) },
        { "embedded jwk", nameof(ProtocolError.BadHeader) },
        { "head as listing", nameof(ProtocolError.WrongType) },
    };

    [Theory]
    [MemberData(nameof(Confusions))]
    public async Task A13_Algorithm_key_and_type_confusion_is_rejected(string variant, string reason)
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        peer.Publish(Orgs.Make("Base"));
        indexer.AddPeer(peer);
        var id = Guid.NewGuid().ToString("D");
        var payload = Hostile.PayloadBytes(new ListingPayload("berlin", id, 1, null, Now, ListingStatus.Active, Orgs.Make("Confused")));
        using var attacker = AtlasKey.Generate();
        var jwk = attacker.ToJwk();
        var jws = variant switch
        {
            "alg none" => $"{Hostile.B64($$"""{"alg":"none","typ":"atlas-listing","kid":"{{peer.Signing.Kid}}"}""")}.{Base64Url.Encode(payload)}.",
            "HS256" => Hmac(peer.Signing.Kid, payload, Encoding.UTF8.GetBytes(peer.Signing.Kid)),
            "embedded jwk" => Hostile.Compact($$$"""{"alg":"ES256","typ":"atlas-listing","kid":"{{{attacker.Kid}}}","jwk":{"kty":"EC","crv":"P-256","x":"{{{jwk.X}}}","y":"{{{jwk.Y}}}"}}""", payload, attacker),
            _ => peer.SignHead(),
        };
        var slot = Hostile.FreeFeedSeq(peer);
        Hostile.Inject(peer, slot, id, 1, jws);

        var result = await indexer.SyncOneAsync(peer);

        Assert.True(result.Ok, result.Error);
        Assert.Contains(indexer.Evidence(peer), e => e.ListingId == id && e.Reason == reason);
        Assert.Empty(await indexer.Search.DocsOfAsync(id));
    }

    private static string Hmac(string kid, byte[] payload, byte[] secret)
    {
        var input = $"{Hostile.B64($$"""{"alg":"HS256","typ":"atlas-listing","kid":"{{kid}}"}""")}.{Base64Url.Encode(payload)}";
        return $"{input}.{Base64Url.Encode(System.Security.Cryptography.HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(input)))}";
    }

    public static TheoryData<string> Differentials() => ["duplicate keys", "float seq", "deep nesting", "lone surrogate"];

    [Theory]
    [MemberData(nameof(Differentials))]
    public async Task A14_Parser_differentials_are_rejected(string variant)
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        peer.Publish(Orgs.Make("Base"));
        indexer.AddPeer(peer);
        var id = Guid.NewGuid().ToString("D");
        var json = Encoding.UTF8.GetString(Hostile.PayloadBytes(new ListingPayload("berlin", id, 1, null, Now, ListingStatus.Active, Orgs.Make("Parsed"))));
        var hostile = variant switch
        {
            "duplicate keys" => json.Replace("\"email\",\"value\":\"help@example.org\"", "\"email\",\"value\":\"help@example.org\",\"value\":\"fsb@example.ru\"", StringComparison.Ordinal),
            "float seq" => json.Replace("\"seq\":1,", "\"seq\":1.0,", StringComparison.Ordinal),
            "deep nesting" => json.Replace("\"prev\":", $"\"deep\":{new string('[', 64)}{new string(']', 64)},\"prev\":", StringComparison.Ordinal) is var d && d != json ? d
                : json[..^1] + $",\"deep\":{new string('[', 64)}{new string(']', 64)}}}",
            _ => json.Replace("\"en\":\"Parsed\"", "\"en\":\"Pa\\ud800rsed\"", StringComparison.Ordinal),
        };
        Assert.NotEqual(json, hostile);
        var slot = Hostile.FreeFeedSeq(peer);
        Hostile.Inject(peer, slot, id, 1, Hostile.SignRawListing(hostile, peer.Signing));

        var result = await indexer.SyncOneAsync(peer);

        Assert.True(result.Ok, result.Error);
        Assert.Contains(indexer.Evidence(peer), e => e.ListingId == id && e.Reason == nameof(ProtocolError.Malformed));
        Assert.Empty(await indexer.Search.DocsOfAsync(id));
    }

    [Fact]
    public async Task A15_Endless_feed_is_cut_off_and_other_peers_still_sync_in_the_same_pass()
    {
        await using var indexer = new TestIndexer(meili);
        await using var good = await FakePeer.StartAsync("good", time: indexer.Time);
        await using var endless = await FakePeer.StartAsync("endless", time: indexer.Time);
        var goodId = good.Publish(Orgs.Make("Good"));
        endless.Publish(Orgs.Make("Endless"));
        var sent = 0L;
        endless.Intercept = async ctx =>
        {
            if (ctx.Request.Path != "/atlas/v1/changes")
            {
                return false;
            }
            ctx.Response.ContentType = "application/json";
            var chunk = Encoding.ASCII.GetBytes(new string(' ', 64 * 1024));
            await ctx.Response.WriteAsync("{\"iss\":\"endless\",\"entries\":[");
            // Endless as far as the 8 MB page cap is concerned (an uncapped reader would get Malformed, not
            // TooLarge); bounded only so a broken indexer cannot hang the test run.
            while (!ctx.RequestAborted.IsCancellationRequested && sent < 64L << 20)
            {
                await ctx.Response.Body.WriteAsync(chunk, ctx.RequestAborted);
                sent += chunk.Length;
            }
            return true;
        };
        indexer.AddPeer(good);
        indexer.AddPeer(endless);

        var results = await indexer.SyncAsync();

        var bad = results.Single(r => r.Peer == "endless");
        Assert.False(bad.Ok);
        Assert.Contains(nameof(ProtocolError.TooLarge), bad.Error);
        Assert.True(results.Single(r => r.Peer == "good").Ok);
        Assert.NotEmpty(await indexer.Search.DocsOfAsync(goodId));
        Assert.Contains("TooLarge", indexer.Store.Read(s => s.Peers.List()).Single(p => p.NodeId == "endless").LastError);
    }

    [Fact]
    public async Task A15_Gzip_bomb_is_refused_without_inflating_it()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("bomb", time: indexer.Time);
        peer.Publish(Orgs.Make("Bomb"));
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 200; i++)
            {
                gzip.Write(zeros);
            }
        }
        var bomb = compressed.ToArray();
        peer.Intercept = async ctx =>
        {
            if (ctx.Request.Path != "/atlas/v1/changes")
            {
                return false;
            }
            ctx.Response.Headers.ContentEncoding = "gzip";
            ctx.Response.ContentType = "application/json";
            await ctx.Response.Body.WriteAsync(bomb);
            return true;
        };
        indexer.AddPeer(peer);

        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Contains("compressed bodies are refused", result.Error);
        Assert.Empty(await indexer.Search.DocsAsync());
    }

    [Fact]
    public async Task A17_Split_view_same_feed_seq_different_root_raises_an_alert()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        peer.Publish(Orgs.Make("One view"));
        await indexer.AddPeerAndSyncAsync(peer);

        peer.HeadOverride = peer.SignHead(root: HeadRoot.Compute([]));
        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Single(indexer.Alerts(AlertKinds.SplitView));
        Assert.Single(await indexer.Search.DocsAsync());
    }

    [Fact]
    public async Task A17_Resigned_head_for_the_same_state_is_not_a_split_view()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        peer.Publish(Orgs.Make("One view"));
        await indexer.AddPeerAndSyncAsync(peer);

        indexer.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.True((await indexer.SyncOneAsync(peer)).Ok);

        Assert.Empty(indexer.Alerts(AlertKinds.SplitView));
    }

    [Fact]
    public async Task A19_Redirect_to_another_host_is_not_followed()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        await using var elsewhere = await FakePeer.StartAsync("internal", time: indexer.Time);
        peer.Intercept = ctx =>
        {
            ctx.Response.StatusCode = 302;
            ctx.Response.Headers.Location = elsewhere.BaseUrl + ctx.Request.Path;
            return Task.FromResult(true);
        };
        indexer.AddPeer(peer);

        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Contains("redirects are not followed", result.Error);
        Assert.Equal(0, elsewhere.Requests);
    }

    [Fact]
    public async Task A19_Descriptor_links_to_another_origin_are_refused()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", time: indexer.Time);
        await using var elsewhere = await FakePeer.StartAsync("internal", time: indexer.Time);
        peer.Intercept = async ctx =>
        {
            if (ctx.Request.Path != "/.well-known/atlas-node")
            {
                return false;
            }
            await ctx.Response.WriteAsync(peer.DescriptorJson().Replace($"{peer.BaseUrl}/atlas/v1/keyset\"", $"{elsewhere.BaseUrl}/atlas/v1/keyset\"", StringComparison.Ordinal));
            return true;
        };
        indexer.AddPeer(peer);

        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Contains("not on the configured origin", result.Error);
        Assert.Equal(0, elsewhere.Requests);
    }
}
