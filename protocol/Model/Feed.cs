namespace Atlas.Protocol.Model;

/// <summary>Payload of a feed head (typ <c>atlas-head</c>): commits to the exact set of latest versions
/// (live listings and tombstones) as of <c>feed_seq</c>. See docs/protocol.md for <c>root</c>.</summary>
public sealed record HeadPayload(
    string Iss,
    long FeedSeq,
    long Iat,
    long Exp,
    long KeysetVersion,
    long Count,
    string Root);

/// <summary>One page of the change feed: latest versions with <c>after &lt; feed_seq ≤ until</c>.</summary>
public sealed record ChangePage(string Iss, long Until, IReadOnlyList<ChangeEntry> Entries, long? Next);

public sealed record ChangeEntry(long FeedSeq, string Id, long Seq, string Jws);

/// <summary>Served at <c>GET /.well-known/atlas-node</c>; everything else is discoverable from it.</summary>
public sealed record NodeDescriptor(
    string Protocol,
    string NodeId,
    string Name,
    string BaseUrl,
    string Region,
    string Licence,
    NodeLinks Links);

public sealed record NodeLinks(
    string Keyset,
    string KeysetVersion,
    string Head,
    string Changes,
    string Listing,
    string Submissions,
    string Organisations,
    string Vocabulary,
    string OpenApi,
    string? ProposeUrl = null,
    string? ConsoleUrl = null);
