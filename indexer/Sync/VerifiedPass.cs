using Atlas.Indexer.Peers;
using Atlas.Protocol.Verification;

namespace Atlas.Indexer.Sync;

/// <summary>A peer's descriptor as checked: who it says it is and where its protocol links are.</summary>
public sealed record FetchedNode(string Node, string NodeName, PeerLinks Links);

/// <summary>One page of the change feed with its verified entries (feed order) and the cursor of the next page
/// (null: the page reached the head).</summary>
public sealed record VerifiedPage(IReadOnlyList<(long FeedSeq, VerifiedListing Listing)> Versions, long? Next);

/// <summary>What one pass fetched and verified, handed to the committer: the head and whether the change feed up to it
/// is staged (<see cref="State.StagingStore"/>; false: the head names what is held, nothing to apply). The versions
/// themselves are in the staging tables, not in memory; the refusals met while verifying the feed are recorded by the
/// synchronizer as they come, not here.</summary>
public sealed record VerifiedPass(long PeerId, string Node, string NodeName, VerifiedHead Head, bool Staged, DateTimeOffset Now);
