using Atlas.Indexer.Peers;
using Atlas.Indexer.State;
using Atlas.Indexer.Telemetry;
using Atlas.Protocol;
using Atlas.Protocol.Verification;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Sync;

/// <summary>The state half of a pass (docs/protocol.md §6.2 steps 5–7): in one write transaction, streams the pass's
/// staged versions (<see cref="StagingStore"/>) in feed order, reads what the state says about each, applies
/// <see cref="ListingTransition.Decide"/> into the staged copy (<c>pass_rows</c>, <c>pass_alerts</c>), checks the head's
/// commitment over stored ∪ staged rows in SQL, and commits rows, alerts, peer row and outbox together, or nothing but
/// the refusals. Nothing of the pass is held in memory beyond a chunk of versions. The caller holds the node's lock.</summary>
public sealed partial class PassCommitter(StateStore store, IOptions<IndexerOptions> options, ILogger<PassCommitter> logger)
{
    /// <summary>Staged versions (or staged rows) read back per query: bounds the commit's memory.</summary>
    private const int Chunk = 256;

    private IndexerOptions Options => options.Value;

    /// <summary>Commits a verified pass; returns the number of rows it changed. Throws
    /// <see cref="SyncRejectedException"/> (after recording the refusals) when the head's commitment does not add up.</summary>
    public int Commit(VerifiedPass pass)
    {
        var node = pass.Node;
        var h = pass.Head.Payload;
        var now = pass.Now.ToUnixTimeSeconds();
        string? mismatch = null;
        using (var s = store.Write())
        {
            var peer = s.Peers.Get(pass.PeerId) ?? throw new PeerFetchException("peer was removed during the pass");
            var staged = 0L;
            if (pass.Staged)
            {
                if (s.Staging.Progress(pass.PeerId) is not { Complete: true } progress || progress.Until != h.FeedSeq || progress.Root != h.Root)
                {
                    throw new PeerFetchException("the staged change feed is not this pass's (another pass of this peer began meanwhile)");
                }
                staged = Decide(s, pass, peer, node, now);
            }
            // §6.2 step 6: the staged state must hash to the head's root and hold exactly its count of listings.
            if ((staged > 0 || peer.HeadRoot != h.Root || StoredHead.Count(peer.HeadJws) != h.Count)
                && HeadRoot.ComputeOrdered(s.Staging.RootEntries(node, includeRevoked: true)) != (h.Root, h.Count))
            {
                // Voided versions may or may not still be named: before the node re-signs them, or never (a
                // listing only the thief published). Either way the rest must add up exactly.
                var (root, count) = HeadRoot.ComputeOrdered(s.Staging.RootEntries(node, includeRevoked: false));
                if ((root, count) != (h.Root, h.Count))
                {
                    // Mix-and-match or withholding (attack 8): the versions we would hold are not the set the
                    // head signs. Commit nothing of this pass but its refusals.
                    mismatch = root != h.Root
                        ? $"State of '{node}' after feed_seq {h.FeedSeq} hashes to {root}, the head says {h.Root}; pass not committed."
                        : $"State of '{node}' after feed_seq {h.FeedSeq} holds {count} listing(s), the head says count {h.Count}; pass not committed.";
                }
            }
            if (mismatch is not null)
            {
                s.Staging.DropStagedState();
                s.Staging.Clear(pass.PeerId);
                s.Commit();
            }
            else
            {
                var applied = Apply(s, node);
                if (peer.HiddenReason is not null)
                {
                    s.Peers.Unhide(node);
                }
                peer.NodeId = node;
                peer.NodeName = pass.NodeName;
                peer.HeadJws = pass.Head.Jws;
                peer.HeadFeedSeq = h.FeedSeq;
                peer.HeadRoot = h.Root;
                peer.HeadIat = h.Iat;
                peer.HeadExp = h.Exp;
                peer.Cursor = h.FeedSeq;
                peer.HiddenReason = null;
                peer.LastSuccess = now;
                peer.LastAttempt = now;
                peer.NextAttempt = now + (long)Options.PollInterval.TotalSeconds;
                s.Peers.SaveHead(peer);
                s.Staging.Clear(pass.PeerId);
                s.Commit();
                IndexerTelemetry.SyncLag.Record(Math.Max(0, now - h.Iat), new KeyValuePair<string, object?>("node", node));
                return applied;
            }
        }
        // The pass is discarded (its staging too: the next pass fetches again); what was refused in it is kept.
        IndexerTelemetry.ListingsRejected.Add(1, new KeyValuePair<string, object?>("reason", ProtocolError.NotInHead.ToString()));
        throw new SyncRejectedException(AlertKinds.RootMismatch, node, mismatch);
    }

    /// <summary>§6.2 step 5: every staged version, in feed order, through the state rules into the staged copy of the
    /// peer's state; refusals are recorded at once (they stay whatever happens to the pass). Returns the number of versions.</summary>
    private long Decide(StateSession s, VerifiedPass pass, PeerRow peer, string node, long now)
    {
        // The per-day cap is about a trusted node suddenly growing; the first import of a peer is not capped.
        var newToday = peer.HeadFeedSeq is null ? long.MinValue : s.Listings.CountFirstSeenSince(node, now - 86_400);
        var count = 0L;
        for (var after = long.MinValue; ;)
        {
            var chunk = s.Staging.Versions(pass.PeerId, after, Chunk);
            if (chunk.Count == 0)
            {
                return count;
            }
            after = chunk[^1].FeedSeq;
            foreach (var (_, jws) in chunk)
            {
                count++;
                // Verified before it was staged (signature, payload, shape); read back, not verified again.
                var (payload, hash, kid) = StoredListing.Read(jws);
                var v = new VerifiedListing(payload, hash, kid, jws);
                var context = new TransitionContext(node, now, newToday, Options.MaxNewOrganisationsPerNodePerDay, Options.ContactCoolOff);
                var decision = ListingTransition.Decide(Facts(s, node, v), v, context);
                foreach (var reason in decision.Rejected)
                {
                    Count(reason);
                }
                if (decision.Verified)
                {
                    IndexerTelemetry.ListingsVerified.Add(1, new KeyValuePair<string, object?>("node", node));
                }
                if (decision.Refusal is { } refusal)
                {
                    Record(s, [refusal]);
                }
                if (decision.Row is { } row)
                {
                    s.Staging.StageRow(row);
                }
                newToday += decision.CountsAsNew ? 1 : 0;
                foreach (var alert in decision.Alerts)
                {
                    s.Staging.StageAlert(alert);
                }
                foreach (var (kind, listingId) in decision.Resolve)
                {
                    s.Staging.StageResolve(kind, listingId);
                }
            }
        }
    }

    /// <summary>§6.2 step 7: the staged rows replace the stored ones (with their derived rows and outbox entries), then the
    /// staged alerts are raised and resolved in decision order. Returns the number of rows written.</summary>
    private static int Apply(StateSession s, string node)
    {
        var applied = 0;
        for (var after = ""; ;)
        {
            var rows = s.Staging.Rows(node, after, Chunk);
            if (rows.Count == 0)
            {
                break;
            }
            after = rows[^1].Id;
            foreach (var row in rows)
            {
                s.Listings.Put(row);
                applied++;
            }
        }
        for (var after = 0L; ;)
        {
            var alerts = s.Staging.Alerts(after, Chunk);
            if (alerts.Count == 0)
            {
                break;
            }
            after = alerts[^1].Ord;
            foreach (var a in alerts)
            {
                if (a.Resolve != 0)
                {
                    s.Alerts.Resolve(a.Kind, a.ListingId!);
                }
                else
                {
                    s.Alerts.Raise(new NewAlert(a.Kind, a.Node, a.ListingId, a.Message));
                }
            }
        }
        s.Staging.DropStagedState();
        return applied;
    }

    /// <summary>Records refusals in their own transaction (they must survive whatever happens to the pass).</summary>
    public void Record(IReadOnlyCollection<Refusal> refusals)
    {
        if (refusals.Count > 0)
        {
            using var s = store.Write();
            Record(s, refusals);
            s.Commit();
        }
    }

    private void Record(StateSession s, IEnumerable<Refusal> refusals)
    {
        foreach (var refusal in refusals)
        {
            Count(refusal.Reason);
            LogRejected(refusal.Node, refusal.ListingId, refusal.Reason, refusal.Message);
            s.Alerts.Record(refusal);
        }
    }

    /// <summary>What the state says about the listing of <paramref name="v"/>, staged rows of this pass first.</summary>
    private static ListingFacts Facts(StateSession s, string node, VerifiedListing v)
    {
        var id = v.Payload.Id;
        var current = s.Staging.Row(node, id) ?? s.Listings.Get(node, id);
        var owner = current is null || current.State == ListingState.Conflict ? s.Listings.OwnerOf(id) : node;
        Dictionary<string, (string Node, string Id)>? lookAlikes = null;
        foreach (var skeleton in ListingTransition.Skeletons(v))
        {
            if (s.Listings.SameSkeleton(skeleton, node) is [var other, ..])
            {
                (lookAlikes ??= new Dictionary<string, (string, string)>(StringComparer.Ordinal))[skeleton] = other;
            }
        }
        return new ListingFacts(current, owner, lookAlikes ?? ListingFacts.NoLookAlikes);
    }

    private static void Count(string reason) => IndexerTelemetry.ListingsRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a version of {ListingId} from {Node}: {Reason}: {Message}")]
    private partial void LogRejected(string? node, string? listingId, string reason, string message);
}
