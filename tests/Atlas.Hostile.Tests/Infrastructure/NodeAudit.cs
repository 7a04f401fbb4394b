using System.Text.Json;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Atlas.Protocol.Verification;

namespace Atlas.Hostile.Tests.Infrastructure;

/// <summary>What an independent verifier sees on a node: every listing of the change feed verified against the keyset
/// chain from the pinned root, and the head's count and root recomputed from them.</summary>
public sealed record NodeSnapshot(VerifiedHead Head, IReadOnlyDictionary<string, VerifiedListing> Latest, TrustedKeyset Keyset);

public static class NodeAudit
{
    /// <summary>Fetches and verifies everything over HTTP; throws (ProtocolException or an assertion) on any mismatch.</summary>
    public static async Task<NodeSnapshot> VerifyAsync(HostileNode node)
    {
        var now = DateTimeOffset.UtcNow;
        var http = node.Http;
        var latestText = await http.GetStringAsync("/atlas/v1/keyset");
        var latestVersion = JsonDocument.Parse(Atlas.Protocol.Signing.Base64Url.Decode(JsonDocument.Parse(latestText).RootElement.GetProperty("payload").GetString()!))
            .RootElement.GetProperty("version").GetInt64();
        var keyset = KeysetVerifier.VerifyFirst(await http.GetStringAsync("/atlas/v1/keyset/1"), node.RootKid, now);
        for (var v = 2; v <= latestVersion; v++)
        {
            keyset = KeysetVerifier.VerifyNext(keyset, await http.GetStringAsync($"/atlas/v1/keyset/{v}"), now);
        }

        var head = SignedObjects.VerifyHead((await http.GetStringAsync("/atlas/v1/head")).Trim(), keyset, now);
        var latest = new Dictionary<string, VerifiedListing>(StringComparer.Ordinal);
        long after = 0;
        while (true)
        {
            var page = JsonSerializer.Deserialize(
                await http.GetStringAsync($"/atlas/v1/changes?after={after}&until={head.Payload.FeedSeq}&limit=1000"),
                ProtocolJsonContext.Default.ChangePage)!;
            foreach (var entry in page.Entries)
            {
                var listing = SignedObjects.VerifyListing(entry.Jws, keyset, entry.Id);
                Assert.Equal(entry.Seq, listing.Payload.Seq);
                latest[entry.Id] = listing;
            }

            if (page.Next is not { } next)
            {
                break;
            }

            after = next;
        }

        Assert.Equal(head.Payload.Count, latest.Count);
        Assert.Equal(head.Payload.Root, HeadRoot.Compute(latest.Values.Select(l => (l.Payload.Id, l.Payload.Seq, l.Hash))));
        return new NodeSnapshot(head, latest, keyset);
    }
}
