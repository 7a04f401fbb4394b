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

    /// <summary>The peer whose trusted keyset names this kid (as signing key or as revoked), for pushed objects.</summary>
    public (PeerRow Peer, TrustedKeyset Keyset)? FindByKid(string kid)
    {
        foreach (var peer in store.Read(s => s.Peers.List()))
        {
            if (Get(peer) is { } keyset && (keyset.SigningKeys.ContainsKey(kid) || keyset.Revoked.Contains(kid)))
            {
                return (peer, keyset);
            }
        }
        return null;
    }
}
