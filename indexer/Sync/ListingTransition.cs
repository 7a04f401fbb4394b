using Atlas.Indexer.State;
using Atlas.Protocol;
using Atlas.Protocol.Model;
using Atlas.Protocol.Verification;

namespace Atlas.Indexer.Sync;

/// <summary>The state rules for one verified version (docs/protocol.md §6.4; attacks 3, 4, 5, 6, 9, 10, 16 and
/// the honeypot rules) as a pure function: current row × verified version × context → decision. No I/O, no
/// clock: what the state says is in <see cref="ListingFacts"/>, the time in <see cref="TransitionContext"/>.</summary>
public static class ListingTransition
{
    public static ListingDecision Decide(ListingFacts facts, VerifiedListing v, TransitionContext ctx)
    {
        var p = v.Payload;
        var node = ctx.Node;
        var current = facts.Current;
        // A stored version signed by a since-revoked key is void (attack 10): it cannot make the node's re-signed
        // version a rollback, an equivocation or a revival. The head commitment still has to add up.
        if (current is not null && current.State != ListingState.Revoked)
        {
            if (p.Seq < current.Seq)
            {
                return Reject(ctx, v, ProtocolError.Rollback, $"Version {p.Seq} arrived after version {current.Seq}; the newer one is kept.");
            }
            if (p.Seq == current.Seq)
            {
                if (v.Hash != current.Hash)
                {
                    // Two payloads under one seq can only come from the node's key: compromise. Keep both.
                    return ListingDecision.Refused(Refusal.Of(node, p.Id, p.Seq, ProtocolError.Equivocation.ToString(), $"A second, different version {p.Seq} of {p.Id} was signed.", v.Jws,
                        [new Evidence(node, p.Id, p.Seq, ProtocolError.Equivocation.ToString(), "version already held", current.Jws)],
                        [new NewAlert(AlertKinds.Equivocation, node, p.Id, $"Node '{node}' signed two different versions with seq {p.Seq}: its key may be compromised.")]));
                }
                // Same hash: the same version, perhaps with other signature bytes (malleability); nothing to do.
                return ListingDecision.Unchanged;
            }
            if (p.Seq - current.Seq > ProtocolLimits.MaxSeqStep)
            {
                return Reject(ctx, v, ProtocolError.FastForward, $"seq jumps from {current.Seq} to {p.Seq}.");
            }
            if (current.Status == ListingStatus.Tombstone)
            {
                return Reject(ctx, v, ProtocolError.Invalid, "A withdrawn listing cannot come back.");
            }
        }
        else if (p.Seq > ProtocolLimits.MaxSeqStep)
        {
            return Reject(ctx, v, ProtocolError.FastForward, $"A first-seen listing starts at seq {p.Seq}.");
        }

        var row = current?.Clone() ?? new ListingRow { Node = node, Id = p.Id, FirstSeen = ctx.Now, Initial = ctx.NewToday < 0 ? 1 : 0 };
        row.Seq = p.Seq;
        row.Hash = v.Hash;
        row.Jws = v.Jws;
        row.Kid = v.Kid;
        row.Status = p.Status;
        row.ReviewBy = p.Org?.ReviewBy;
        row.VerifiedAt = ctx.Now;
        row.Reason = null;

        var alerts = new List<NewAlert>();
        var resolve = new List<(string, string)>();
        var rejected = new List<string>();
        var countsAsNew = false;
        var owner = current is null || current.State == ListingState.Conflict ? facts.Owner : node;
        if (owner is not null && owner != node)
        {
            // Attack 9: another node's listing id (a forged takedown or a hijack); kept only for this node's root.
            row.State = ListingState.Conflict;
            row.Reason = $"listing id owned by '{owner}'";
            rejected.Add("IdConflict");
            alerts.Add(new NewAlert(AlertKinds.IdConflict, node, null, $"'{node}' published listing {p.Id}, which belongs to '{owner}'; ignored."));
        }
        else if (v.IsTombstone)
        {
            row.State = ListingState.Tombstone;
            ClearHold(row, resolve);
        }
        else if (current is null || current.State == ListingState.Conflict)
        {
            countsAsNew = current is null;
            if (current is null && ctx.NewToday >= ctx.MaxNewPerDay)
            {
                row.State = ListingState.Quarantined;
                row.Reason = $"more than {ctx.MaxNewPerDay} new organisations from '{node}' in 24 h";
                rejected.Add(AlertKinds.NewNodeBurst);
                alerts.Add(new NewAlert(AlertKinds.NewNodeBurst, node, p.Id, $"Quarantined: {row.Reason}."));
            }
            else
            {
                row.State = ListingState.Live;
            }
        }
        else if (current.State == ListingState.Live)
        {
            var shownJws = current.ShownJws ?? current.Jws;
            var shown = StoredListing.Read(shownJws).Payload;
            if (ctx.ContactCoolOff > TimeSpan.Zero && !StoredListing.ContactSet(shown).SetEquals(StoredListing.ContactSet(p)))
            {
                // Attack 3: a stolen key's first move is to swap contacts. Keep the old version in search for
                // the cool-off; the organisation and the node operator see the alert in the meantime.
                row.ShownJws = shownJws;
                row.ShownKid = current.ShownKid ?? current.Kid;
                row.HeldUntil = current.HeldUntil ?? ctx.Now + (long)ctx.ContactCoolOff.TotalSeconds;
                var until = DateTimeOffset.FromUnixTimeSeconds(row.HeldUntil.Value);
                alerts.Add(new NewAlert(AlertKinds.ContactChanged, node, p.Id,
                    $"Contact change in version {p.Seq} pending until {until:yyyy-MM-dd HH:mm} UTC; the previous contacts stay in search."));
            }
            else
            {
                ClearHold(row, resolve);
            }
        }
        else if (current.State == ListingState.Revoked)
        {
            // Re-signed with a valid key after a revocation (attack 10): visible again.
            row.State = ListingState.Live;
            ClearHold(row, resolve);
        }
        // A quarantined row keeps its state: only an operator's release brings it to search.

        if (row.State == ListingState.Live && p.Org is { } org && LookAlikeFindings(org, facts) is { Count: > 0 } findings)
        {
            // One open alert per (kind, listing): all findings in one message.
            alerts.Add(new NewAlert(AlertKinds.ConfusableName, node, p.Id, string.Join(" ", findings)));
        }
        return new ListingDecision(row, null, alerts, resolve, rejected, countsAsNew, row.State is ListingState.Live or ListingState.Tombstone);
    }

    /// <summary>The name skeletons whose look-alikes <see cref="ListingFacts.LookAlikes"/> must hold for this version.</summary>
    public static IEnumerable<string> Skeletons(VerifiedListing v) =>
        v.Payload.Org is { } org ? org.Name.Values.Select(Confusables.Skeleton).Where(s => s.Length >= 3).Distinct(StringComparer.Ordinal) : [];

    private static List<string> LookAlikeFindings(Organisation org, ListingFacts facts)
    {
        var findings = new List<string>();
        foreach (var name in org.Name.Values)
        {
            if (Confusables.HasMixedScriptWord(name))
            {
                findings.Add($"Name '{Confusables.Describe(name)}' mixes Latin and Cyrillic letters in one word.");
            }
            if (facts.LookAlikes.TryGetValue(Confusables.Skeleton(name), out var other))
            {
                findings.Add($"Name '{Confusables.Describe(name)}' looks like listing {other.Id} of node '{other.Node}'.");
            }
        }
        return findings;
    }

    private static void ClearHold(ListingRow row, List<(string, string)> resolve)
    {
        row.ShownJws = null;
        row.ShownKid = null;
        row.HeldUntil = null;
        resolve.Add((AlertKinds.ContactChanged, row.Id));
    }

    private static ListingDecision Reject(TransitionContext ctx, VerifiedListing v, ProtocolError error, string message) =>
        ListingDecision.Refused(Refusal.Of(ctx.Node, v.Payload.Id, v.Payload.Seq, error.ToString(), message, v.Jws));
}
