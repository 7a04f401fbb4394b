using Atlas.Indexer.Peers;
using Atlas.Protocol.Verification;

namespace Atlas.Indexer.Sync;

/// <summary>A peer's descriptor as checked: who it says it is and where its protocol links are.</summary>
public sealed record FetchedNode(string Node, string NodeName, PeerLinks Links);

/// <summary>Everything one pass fetched and verified, handed to the committer: immutable, no state read. The
/// refusals met while verifying the feed are recorded by the synchronizer as they come, not here.</summary>
public sealed record VerifiedPass(long PeerId, string Node, string NodeName, VerifiedHead Head, IReadOnlyList<VerifiedListing> Versions, DateTimeOffset Now);
