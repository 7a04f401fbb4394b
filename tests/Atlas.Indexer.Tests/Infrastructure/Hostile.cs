using System.Numerics;
using System.Text;
using System.Text.Json;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;

namespace Atlas.Indexer.Tests.Infrastructure;

/// <summary>Crafting tools for hostile peers.</summary>
public static class Hostile
{
    /// <summary>Makes a feed_seq slot that the honest feed does not use (a listing edited twice only
    /// shows its second entry), so a hostile entry can be slipped in while the head stays honest.</summary>
    public static long FreeFeedSeq(FakePeer peer)
    {
        var id = peer.Publish(Orgs.Make($"Filler {Guid.NewGuid():N}"[..20]));
        peer.Update(id, o => o with { Description = new Dictionary<string, string> { ["en"] = "Edited." } });
        return peer.FeedSeq - 1;
    }

    /// <summary>Serves one extra change entry (not named by the head) in the page that covers its feed_seq.</summary>
    public static void Inject(FakePeer peer, long feedSeq, string id, long seq, string jws)
    {
        var previous = peer.MutatePage;
        peer.MutatePage = page =>
        {
            page = previous is null ? page : previous(page);
            return page.Until >= feedSeq && page.Entries.All(e => e.FeedSeq != feedSeq) && (page.Entries.Count == 0 || page.Entries[0].FeedSeq <= feedSeq + 1_000)
                ? page with { Entries = page.Entries.Append(new ChangeEntry(feedSeq, id, seq, jws)).OrderBy(e => e.FeedSeq).ToList() }
                : page;
        };
    }

    public static string B64(string s) => Base64Url.Encode(Encoding.UTF8.GetBytes(s));

    /// <summary>A compact JWS with an arbitrary header, signed (ES256 bytes) by the given key.</summary>
    public static string Compact(string headerJson, ReadOnlySpan<byte> payload, AtlasKey key)
    {
        var input = $"{B64(headerJson)}.{Base64Url.Encode(payload)}";
        return $"{input}.{Base64Url.Encode(key.Sign(Encoding.ASCII.GetBytes(input)))}";
    }

    public static byte[] PayloadBytes(ListingPayload p) => JsonSerializer.SerializeToUtf8Bytes(p, ProtocolJsonContext.Default.ListingPayload);

    public static string SignRawListing(string payloadJson, AtlasKey key) => Jws.SignCompact(JwsTypes.Listing, Encoding.UTF8.GetBytes(payloadJson), key);

    private static readonly BigInteger P256Order = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);

    /// <summary>The other valid ECDSA signature of the same message: (r, n − s).</summary>
    public static string Malleate(string compact)
    {
        var parts = compact.Split('.');
        var sig = Base64Url.Decode(parts[2]);
        var s = new BigInteger(sig.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        var flipped = (P256Order - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        var newSig = new byte[64];
        sig.AsSpan(0, 32).CopyTo(newSig);
        flipped.CopyTo(newSig.AsSpan(64 - flipped.Length));
        return $"{parts[0]}.{parts[1]}.{Base64Url.Encode(newSig)}";
    }
}
