using System.Collections.Concurrent;
using Atlas.Indexer.State;
using Atlas.Protocol.Verification;

namespace Atlas.Indexer.Peers;

/// <summary>Trusted keysets by node id, imported once (re-importing keys per verify costs 3×).</summary>
public sealed class KeysetCache(StateStore store)
{
    private readonly ConcurrentDictionary<string, (string Json, TrustedKeyset Keyset)> _byNode = new(StringComparer.Ordinal);

    public TrustedKeyset? Get(PeerRow peer)
    {
        if (peer.NodeId is null || peer.KeysetJson is null)
        {
            return null;
        }
        if (_byNode.TryGetValue(peer.NodeId, out var cached) && cached.Json == peer.KeysetJson)
        {
            return cached.Keyset;
        }
        var keyset = TrustedKeyset.Restore(peer.KeysetJson);
        _byNode[peer.NodeId] = (peer.KeysetJson, keyset);
        return keyset;
    }

    public void Put(TrustedKeyset keyset) => _byNode[keyset.Iss] = (keyset.RawJson, keyset);

    /// <summary>The peer that is node <paramref name="nodeId"/> and its trusted keyset, for pushed and relayed objects:
    /// an object is verified only with the keyset of the node it names (<c>iss</c>), never found by kid across peers.</summary>
    /// <summary>The other configured node whose trusted keyset lists <paramref name="kid"/>, if any: only to name it in
    /// a refusal (an object claiming one node and signed by another's key), never to verify with.</summary>
    public string? OtherNodeListing(string kid, string exceptNode) =>
        store.Read(s => s.Peers.List()).Where(p => p.NodeId is not null && p.NodeId != exceptNode)
            .FirstOrDefault(p => Get(p) is { } k && (k.SigningKeys.ContainsKey(kid) || k.Roots.ContainsKey(kid)))?.NodeId;

    public (PeerRow Peer, TrustedKeyset Keyset)? ForNode(string nodeId) =>
        store.Read(s => s.Peers.List()).FirstOrDefault(p => p.NodeId == nodeId) is { } peer && Get(peer) is { } keyset ? (peer, keyset) : null;
}
