using Atlas.Indexer.State;
using Atlas.Indexer.Sync;
using Atlas.Protocol;
using Atlas.Protocol.Model;
using Atlas.Protocol.Verification;

namespace Atlas.Indexer.Tests.Sync;

/// <summary>The state rules of docs/protocol.md §6.4 as a table: every held state × every kind of version,
/// decided by the pure transition function (no process, no database, no clock).</summary>
public sealed class ListingTransitionTests : IDisposable
{
    private const string Node = "berlin";
    private const string Id = "6f0d3c2a-5b1e-4a8f-9c7d-2e4b6a8c0d1f";
    private const long Now = 1_800_000_000;
    private const long HeldUntil = Now + 3_600;
    private static readonly TimeSpan CoolOff = TimeSpan.FromHours(48);
    private static readonly Contact[] ContactsA = [new("email", "a@example.org", null, true)];
    private static readonly Contact[] ContactsB = [new("email", "b@example.org", null, true)];
    private static readonly Contact[] ContactsC = [new("email", "c@example.org", null, true)];

    private readonly TestNodeKeys _keys = new(Node);
    private readonly TrustedKeyset _keyset;

    public ListingTransitionTests() => _keyset = _keys.TrustedKeyset();

    public void Dispose() => _keys.Dispose();

    /// <summary>Held state × version → expected outcome: <c>refused:&lt;reason&gt;</c>, <c>unchanged</c> or
    /// <c>&lt;state&gt;[+held]</c>, then the alert kinds of the pass and of the refusal, and the alerts resolved.</summary>
    public static TheoryData<string, string, string, string, string> Table => new()
    {
        // no stored version
        { "none", "first", "live", "", "" },
        { "none", "first-tombstone", "tombstone", "", "contact_changed" },
        { "none", "fast-forward", "refused:FastForward", "", "" },
        { "none", "owned-elsewhere", "conflict", "id_conflict", "" },
        { "none", "over-cap", "quarantined", "new_node_burst", "" },
        { "none", "look-alike", "live", "confusable_name", "" },
        { "none", "mixed-script", "live", "confusable_name", "" },
        // live
        { "live", "older", "refused:Rollback", "", "" },
        { "live", "same", "unchanged", "", "" },
        { "live", "equivocating", "refused:Equivocation", "equivocation", "" },
        { "live", "newer", "live", "", "contact_changed" },
        { "live", "newer-contacts", "live+held", "contact_changed", "" },
        { "live", "tombstone", "tombstone", "", "contact_changed" },
        { "live", "fast-forward", "refused:FastForward", "", "" },
        { "live", "look-alike", "live", "confusable_name", "contact_changed" },
        // live with a contact change held back (shown: contacts A, held: contacts B)
        { "held", "older", "refused:Rollback", "", "" },
        { "held", "same", "unchanged", "", "" },
        { "held", "equivocating", "refused:Equivocation", "equivocation", "" },
        { "held", "newer", "live", "", "contact_changed" },
        { "held", "newer-contacts", "live+held", "contact_changed", "" },
        { "held", "tombstone", "tombstone", "", "contact_changed" },
        { "held", "fast-forward", "refused:FastForward", "", "" },
        // tombstone: a withdrawn listing never comes back
        { "tombstone", "older", "refused:Rollback", "", "" },
        { "tombstone", "same", "unchanged", "", "" },
        { "tombstone", "equivocating", "refused:Equivocation", "equivocation", "" },
        { "tombstone", "newer", "refused:Invalid", "", "" },
        { "tombstone", "revived", "refused:Invalid", "", "" },
        { "tombstone", "tombstone", "refused:Invalid", "", "" },
        { "tombstone", "fast-forward", "refused:FastForward", "", "" },
        // quarantined: stays out of search until an operator releases it
        { "quarantined", "older", "refused:Rollback", "", "" },
        { "quarantined", "same", "unchanged", "", "" },
        { "quarantined", "equivocating", "refused:Equivocation", "equivocation", "" },
        { "quarantined", "newer", "quarantined", "", "" },
        { "quarantined", "newer-contacts", "quarantined", "", "" },
        { "quarantined", "tombstone", "tombstone", "", "contact_changed" },
        { "quarantined", "fast-forward", "refused:FastForward", "", "" },
        // conflict: the id belongs to another node
        { "conflict", "older", "refused:Rollback", "", "" },
        { "conflict", "same", "unchanged", "", "" },
        { "conflict", "equivocating", "refused:Equivocation", "equivocation", "" },
        { "conflict", "newer", "conflict", "id_conflict", "" },
        { "conflict", "tombstone", "conflict", "id_conflict", "" },
        { "conflict", "fast-forward", "refused:FastForward", "", "" },
        // conflict whose owner has gone: the id is free, the listing goes live (not counted as new)
        { "conflict-freed", "newer", "live", "", "" },
        // revoked: the stored version is void, so nothing is compared with it; the re-signed version is shown
        { "revoked", "older", "live", "", "contact_changed" },
        { "revoked", "same", "live", "", "contact_changed" },
        { "revoked", "equivocating", "live", "", "contact_changed" },
        { "revoked", "newer", "live", "", "contact_changed" },
        { "revoked", "tombstone", "tombstone", "", "contact_changed" },
        { "revoked", "fast-forward", "refused:FastForward", "", "" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Every_state_and_version(string state, string version, string expected, string alerts, string resolved)
    {
        var current = Held(state);
        var (v, facts, context) = Version(version, current, state == "conflict" ? "other" : null);

        var d = ListingTransition.Decide(facts, v, context);

        Assert.Equal(expected, Outcome(d));
        Assert.Equal(alerts, string.Join(",", d.Alerts.Concat(d.Refusal?.Alerts ?? []).Select(a => a.Kind)));
        Assert.Equal(resolved, string.Join(",", d.Resolve.Select(r => r.Kind)));
        Assert.All(d.Resolve, r => Assert.Equal(Id, r.ListingId));
        if (d.Refusal is { } refusal)
        {
            Assert.Null(d.Row);
            Assert.Equal(v.Jws, refusal.Evidence[^1].Raw);
            Assert.Equal(refusal.Reason == nameof(ProtocolError.Equivocation) ? 2 : 1, refusal.Evidence.Count);
            Assert.False(d.Verified);
        }
        if (d.Row is { } row)
        {
            Assert.Equal((v.Payload.Seq, v.Hash, v.Jws, v.Kid, v.Payload.Status, Now), (row.Seq, row.Hash, row.Jws, row.Kid, row.Status, row.VerifiedAt));
            Assert.Equal(current?.FirstSeen ?? Now, row.FirstSeen);
            Assert.Equal(row.State is ListingState.Live or ListingState.Tombstone, d.Verified);
            Assert.NotSame(current, row);
        }
        Assert.Equal(current is null && d.Row?.State is ListingState.Live or ListingState.Quarantined, d.CountsAsNew);
    }

    [Fact]
    public void Every_state_and_version_kind_of_the_protocol_is_in_the_table()
    {
        var cases = Table.Select(row => ((string)row[0], (string)row[1])).ToHashSet();
        foreach (var state in new[] { "live", "held", "tombstone", "quarantined", "conflict", "revoked" })
        {
            foreach (var version in new[] { "older", "same", "equivocating", "newer", "tombstone", "fast-forward" })
            {
                Assert.Contains((state, version), cases);
            }
        }
    }

    [Fact]
    public void A_held_contact_change_keeps_the_shown_version_and_its_deadline()
    {
        var current = Held("held");
        var (v, facts, context) = Version("newer-contacts", current, null);

        var row = ListingTransition.Decide(facts, v, context).Row!;

        Assert.Equal((current!.ShownJws, current.ShownKid, HeldUntil), (row.ShownJws, row.ShownKid, row.HeldUntil));
    }

    [Fact]
    public void A_new_contact_change_is_held_for_the_cool_off_with_the_previous_version_shown()
    {
        var current = Held("live");
        var (v, facts, context) = Version("newer-contacts", current, null);

        var row = ListingTransition.Decide(facts, v, context).Row!;

        Assert.Equal((current!.Jws, current.Kid, Now + (long)CoolOff.TotalSeconds), (row.ShownJws, row.ShownKid, row.HeldUntil));
    }

    [Fact]
    public void Without_a_cool_off_a_contact_change_is_shown_at_once()
    {
        var current = Held("live");
        var (v, facts, context) = Version("newer-contacts", current, null);

        var d = ListingTransition.Decide(facts, v, context with { ContactCoolOff = TimeSpan.Zero });

        Assert.Equal("live", Outcome(d));
        Assert.Empty(d.Alerts);
    }

    [Fact]
    public void The_first_import_is_not_capped_and_marks_its_rows_initial()
    {
        var (v, facts, context) = Version("first", null, null);

        var d = ListingTransition.Decide(facts, v, context with { NewToday = long.MinValue, MaxNewPerDay = 0 });

        Assert.Equal("live", Outcome(d));
        Assert.Equal(1, d.Row!.Initial);
        Assert.True(d.CountsAsNew);
    }

    [Fact]
    public void A_row_first_seen_after_the_initial_import_is_not_initial()
    {
        var (v, facts, context) = Version("first", null, null);

        Assert.Equal(0, ListingTransition.Decide(facts, v, context).Row!.Initial);
    }

    private static string Outcome(ListingDecision d) =>
        d.Refusal is { } r ? $"refused:{r.Reason}"
        : d.Row is not { } row ? "unchanged"
        : row.HeldUntil is not null ? $"{row.State}+held"
        : row.State;

    private ListingRow? Held(string state)
    {
        if (state == "none")
        {
            return null;
        }
        var jws = state == "tombstone" ? Tombstone(5) : Listing(5, state == "held" ? ContactsB : ContactsA);
        var v = SignedObjects.VerifyListing(jws, _keyset, Id);
        var row = new ListingRow
        {
            Node = Node, Id = Id, Seq = 5, Hash = v.Hash, Jws = jws, Kid = v.Kid, Status = v.Payload.Status, FirstSeen = Now - 86_400 * 30, VerifiedAt = Now - 60,
            State = state switch
            {
                "live" or "held" => ListingState.Live,
                "conflict" or "conflict-freed" => ListingState.Conflict,
                _ => state,
            },
        };
        if (state == "held")
        {
            row.ShownJws = Listing(4, ContactsA);
            row.ShownKid = row.Kid;
            row.HeldUntil = HeldUntil;
        }
        return row;
    }

    private (VerifiedListing, ListingFacts, TransitionContext) Version(string kind, ListingRow? current, string? owner)
    {
        var seq = current?.Seq ?? 0;
        var lookAlikes = ListingFacts.NoLookAlikes;
        var newToday = 3L;
        var jws = kind switch
        {
            "first" or "owned-elsewhere" or "over-cap" => Listing(1, ContactsA),
            "first-tombstone" => SignedObjects.SignListing(new ListingPayload(Node, Id, 1, null, Now, ListingStatus.Tombstone, null), _keys.Signing),
            "look-alike" => Listing(seq + 1, ContactsA, "Legal Aid Berlin"),
            "mixed-script" => Listing(seq + 1, ContactsA, "Legаl Aid"), // Cyrillic а
            "older" => Listing(seq - 1, ContactsA),
            "same" => current!.Jws,
            "equivocating" => Listing(seq, ContactsC, "Another Name"),
            "newer" or "revived" => Listing(seq + 1, ContactsA),
            "newer-contacts" => Listing(seq + 1, ContactsC),
            "tombstone" => Tombstone(seq + 1),
            "fast-forward" => Listing(seq + ProtocolLimits.MaxSeqStep + 1, ContactsA),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        var v = SignedObjects.VerifyListing(jws, _keyset, Id);
        if (kind == "owned-elsewhere")
        {
            owner = "other";
        }
        if (kind == "over-cap")
        {
            newToday = 10;
        }
        if (kind == "look-alike")
        {
            lookAlikes = new Dictionary<string, (string, string)> { [Confusables.Skeleton("Legal Aid Berlin")] = ("tbilisi", "a-listing") };
        }
        return (v, new ListingFacts(current, owner, lookAlikes), new TransitionContext(Node, Now, newToday, 10, CoolOff));
    }

    private string Listing(long seq, Contact[] contacts, string name = "Example Initiative") =>
        SignedObjects.SignListing(new ListingPayload(Node, Id, seq, seq == 1 ? null : "prev", Now, ListingStatus.Active,
            SampleOrganisations.Minimal(name, contacts: contacts)), _keys.Signing);

    private string Tombstone(long seq) =>
        SignedObjects.SignListing(new ListingPayload(Node, Id, seq, "prev", Now, ListingStatus.Tombstone, null), _keys.Signing);
}
