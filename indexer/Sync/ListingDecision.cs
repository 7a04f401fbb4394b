using Atlas.Indexer.State;

namespace Atlas.Indexer.Sync;

/// <summary>What the transition of one version needs besides the version: the node, the time, the day's count
/// of new listings (negative during a peer's first import, which is not capped) and the policies.</summary>
public sealed record TransitionContext(string Node, long Now, long NewToday, int MaxNewPerDay, TimeSpan ContactCoolOff);

/// <summary>What the state says about one listing id, read before the decision: the row held (staged in this
/// pass or stored), the owner of the id among the stored rows, and other nodes' live listings whose name has
/// the same confusable skeleton (skeleton → first such listing).</summary>
public sealed record ListingFacts(ListingRow? Current, string? Owner, IReadOnlyDictionary<string, (string Node, string Id)> LookAlikes)
{
    public static readonly IReadOnlyDictionary<string, (string Node, string Id)> NoLookAlikes = new Dictionary<string, (string, string)>();
}

/// <summary>The outcome of one version: the row to stage (null: the state is unchanged), the refusal to record
/// whatever happens to the pass, the alerts and alert resolutions that go with the pass, what to count as
/// rejected besides a refusal (a version kept but held out of search), and whether it counts as a new listing.</summary>
public sealed record ListingDecision(
    ListingRow? Row,
    Refusal? Refusal,
    IReadOnlyList<NewAlert> Alerts,
    IReadOnlyList<(string Kind, string ListingId)> Resolve,
    IReadOnlyList<string> Rejected,
    bool CountsAsNew,
    bool Verified)
{
    public static ListingDecision Refused(Refusal refusal) => new(null, refusal, [], [], [], false, false);

    public static readonly ListingDecision Unchanged = new(null, null, [], [], [], false, false);
}
