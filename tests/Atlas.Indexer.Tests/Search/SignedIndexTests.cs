using System.Text.Json;
using Atlas.Indexer.Meilisearch;
using Atlas.Indexer.Search;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Microsoft.Extensions.DependencyInjection;

namespace Atlas.Indexer.Tests.Search;

/// <summary>The signed index beside the search documents (issue 13): the exact listing JWS each listing's documents were
/// built from and each node's keyset chain, so a browser can verify a card from the pinned root without contacting the
/// node. Read back from a real Meilisearch and verified with the protocol library.</summary>
[Collection(IndexerMeilisearchCollection.Name)]
public sealed class SignedIndexTests(MeilisearchFixture meili)
{
    private static async Task<Dictionary<string, JsonElement>> SignedDocsAsync(TestIndexer indexer)
    {
        var page = await indexer.Search.Client.FetchDocumentsAsync(SignedIndexSettings.UidFor(indexer.Index), new DocumentsQuery { Limit = 10_000 });
        return page.Results.ToDictionary(d => d.GetProperty("signed_id").GetString()!, d => d);
    }

    private static List<string> Sorted(IEnumerable<string> ids) => ids.Order(StringComparer.Ordinal).ToList();

    private static TrustedKeyset WalkChain(JsonElement keysetDoc, string pinnedRoot, DateTimeOffset now)
    {
        var chain = keysetDoc.GetProperty("keysets").EnumerateArray().Select(k => k.GetString()!).ToList();
        var keyset = KeysetVerifier.VerifyFirst(chain[0], pinnedRoot, chain.Count == 1 ? now : DateTimeOffset.UnixEpoch);
        for (var i = 1; i < chain.Count; i++)
        {
            keyset = KeysetVerifier.VerifyNext(keyset, chain[i], i == chain.Count - 1 ? now : DateTimeOffset.UnixEpoch);
        }
        return keyset;
    }

    [Fact]
    public async Task Signed_index_holds_each_listings_jws_and_the_keyset_chain_across_a_root_rotation()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("berlin", "Atlas Berlin", indexer.Time);
        var pinned = peer.Root.Kid;
        var kept = peer.Publish(Orgs.Make("Kept", cityCount: 2));
        var withdrawn = peer.Publish(Orgs.Make("Withdrawn"));
        await indexer.AddPeerAndSyncAsync(peer);

        var signed = await SignedDocsAsync(indexer);
        Assert.Equal(Sorted(["keyset-berlin", kept, withdrawn]), Sorted(signed.Keys));
        var keyset = WalkChain(signed["keyset-berlin"], pinned, indexer.Time.GetUtcNow());
        var listing = SignedObjects.VerifyListing(signed[kept].GetProperty("jws").GetString()!, keyset, kept);
        var docs = await indexer.Search.DocsOfAsync(kept);
        Assert.Equal(2, docs.Count);
        Assert.All(docs, d => Assert.Equal(listing.Hash, d.Provenance.Hash));
        Assert.Equal("listing", signed[kept].GetProperty("kind").GetString());

        // root rotation: the browser's pinned root is no longer in the current keyset, the chain still leads to it
        var newRoot = AtlasKey.Generate();
        peer.RotateKeyset([peer.Signing], newRoots: [newRoot]);
        peer.Withdraw(withdrawn);
        peer.Update(kept, o => o with { Description = new Dictionary<string, string> { ["en"] = "Updated." } });
        Assert.True((await indexer.SyncOneAsync(peer)).Ok);

        signed = await SignedDocsAsync(indexer);
        Assert.Equal(Sorted(["keyset-berlin", kept]), Sorted(signed.Keys));
        Assert.Equal(2, signed["keyset-berlin"].GetProperty("keysets").GetArrayLength());
        keyset = WalkChain(signed["keyset-berlin"], pinned, indexer.Time.GetUtcNow());
        Assert.Equal(2, keyset.Version);
        Assert.DoesNotContain(pinned, keyset.Roots.Keys);
        var updated = SignedObjects.VerifyListing(signed[kept].GetProperty("jws").GetString()!, keyset, kept);
        Assert.Equal(2, updated.Payload.Seq);
        Assert.All(await indexer.Search.DocsOfAsync(kept), d => Assert.Equal(updated.Hash, d.Provenance.Hash));

        // a rebuilt index carries the same signed documents
        await indexer.Services.GetRequiredService<Reindexer>().ReindexAsync(CancellationToken.None);
        var rebuilt = await SignedDocsAsync(indexer);
        Assert.Equal(Sorted(signed.Keys), Sorted(rebuilt.Keys));
        Assert.Equal(signed[kept].GetProperty("jws").GetString(), rebuilt[kept].GetProperty("jws").GetString());

        // the map site's key can read the signed index too
        var key = await indexer.Services.GetRequiredService<SearchIndexWriter>().CreateSearchKeyAsync(indexer.Index, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = meili.Url, Timeout = TimeSpan.FromSeconds(10) };
        var found = await new MeilisearchClient(http, key).SearchAsync(SignedIndexSettings.UidFor(indexer.Index),
            new SearchQuery { Filter = $"signed_id IN [\"{kept}\", \"keyset-berlin\"]" });
        Assert.Equal(2, found.Hits.Count);
    }
}
