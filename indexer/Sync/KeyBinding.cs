namespace Atlas.Indexer.Sync;

/// <summary>What to do with a newly verified keyset that lists kids other peers' keysets list too.</summary>
public sealed record KeyBindingDecision(bool Refuse, string? Message);

/// <summary>A kid belongs to one node (issue 15, docs/protocol.md §6.1): the first node that proves it by signing a
/// verified version with it. A keyset listing a kid another node has proven is refused; a kid two keysets list but
/// neither has signed with is accepted and alerted (pushed and relayed objects are verified with the keyset of the
/// node named by <c>iss</c>, so the duplicate gives its lister nothing). Pure: the state is read by the caller.</summary>
public static class KeyBinding
{
    public static KeyBindingDecision Decide(string node, IReadOnlyCollection<(string Kid, string Node)> listedElsewhere, IReadOnlyCollection<(string Kid, string Node)> provenElsewhere)
    {
        if (provenElsewhere.FirstOrDefault() is { Kid: not null } proven)
        {
            return new KeyBindingDecision(true,
                $"Keyset of '{node}' lists key {proven.Kid}, which belongs to '{proven.Node}' (it signed that node's listings); keyset refused.");
        }
        if (listedElsewhere.FirstOrDefault() is { Kid: not null } listed)
        {
            return new KeyBindingDecision(false,
                $"Keysets of '{node}' and '{listed.Node}' both list key {listed.Kid}; each node's objects are verified only with its own keyset.");
        }
        return new KeyBindingDecision(false, null);
    }
}
