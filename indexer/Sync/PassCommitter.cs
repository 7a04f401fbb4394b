using Atlas.Indexer.Peers;
using Atlas.Indexer.State;
using Atlas.Indexer.Telemetry;
using Atlas.Protocol;
using Atlas.Protocol.Verification;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Sync;

/// <summary>The state half of a pass (docs/protocol.md §6.2 steps 5–7): in one write transaction, reads what
/// the state says about each version, applies <see cref="ListingTransition.Decide"/>, checks the head's
/// commitment over the staged state, and commits rows, alerts, peer row and outbox together, or nothing.
/// The caller holds the node's lock.</summary>
public sealed partial class PassCommitter(StateStore store, IOptions<IndexerOptions> options, ILogger<PassCommitter> logger)
{
    private IndexerOptions Options => options.Value;

    /// <summary>Commits a verified pass; returns the number of rows it changed. Throws
    /// <see cref="SyncRejectedException"/> (after recording the refusals) when the head's commitment does not add up.</summary>
    public int Commit(VerifiedPass pass)
    {
        var node = pass.Node;
        var h = pass.Head.Payload;
        var now = pass.Now.ToUnixTimeSeconds();
        var refusals = new List<Refusal>();
        string? mismatch = null;
        using (var s = store.Write())
        {
            var peer = s.Peers.Get(pass.PeerId) ?? throw new PeerFetchException("peer was removed during the pass");
            var working = new Dictionary<string, ListingRow>(StringComparer.Ordinal);
            var alerts = new List<NewAlert>();
            var resolve = new List<(string Kind, string ListingId)>();
            // The per-day cap is about a trusted node suddenly growing; the first import of a peer is not capped.
            var newToday = peer.HeadFeedSeq is null ? long.MinValue : s.Listings.CountFirstSeenSince(node, now - 86_400);
            foreach (var v in pass.Versions)
            {
                var context = new TransitionContext(node, now, newToday, Options.MaxNewOrganisationsPerNodePerDay, Options.ContactCoolOff);
                var decision = ListingTransition.Decide(Facts(s, node, v, working), v, context);
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
                    refusals.Add(refusal);
                }
                if (decision.Row is { } row)
                {
                    working[row.Id] = row;
                }
                newToday += decision.CountsAsNew ? 1 : 0;
                alerts.AddRange(decision.Alerts);
                resolve.AddRange(decision.Resolve);
            }
            if ((pass.Versions.Count > 0 || peer.HeadRoot != h.Root) && StagedRoot(s, node, working, includeRevoked: true) != h.Root)
            {
                // Voided versions may or may not still be named: before the node re-signs them, or never (a
                // listing only the thief published). Either way the rest must add up exactly.
                var root = StagedRoot(s, node, working, includeRevoked: false);
                if (root != h.Root)
                {
                    // Mix-and-match or withholding (attack 8): the versions we would hold are not the set the
                    // head signs. Commit nothing of this pass.
                    mismatch = $"State of '{node}' after feed_seq {h.FeedSeq} hashes to {root}, the head says {h.Root}; pass not committed.";
                }
            }
            if (mismatch is null)
            {
                foreach (var row in working.Values)
                {
                    s.Listings.Put(row);
                }
                foreach (var alert in alerts)
                {
                    s.Alerts.Raise(alert);
                }
                foreach (var (kind, listingId) in resolve)
                {
                    s.Alerts.Resolve(kind, listingId);
                }
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
                Record(s, refusals);
                s.Commit();
                IndexerTelemetry.SyncLag.Record(Math.Max(0, now - h.Iat), new KeyValuePair<string, object?>("node", node));
                return working.Count;
            }
        }
        // The pass is rolled back; what was refused in it is still kept.
        Record(refusals);
        IndexerTelemetry.ListingsRejected.Add(1, new KeyValuePair<string, object?>("reason", ProtocolError.NotInHead.ToString()));
        throw new SyncRejectedException(AlertKinds.RootMismatch, node, mismatch);
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
    private static ListingFacts Facts(StateSession s, string node, VerifiedListing v, Dictionary<string, ListingRow> working)
    {
        var id = v.Payload.Id;
        var current = working.GetValueOrDefault(id) ?? s.Listings.Get(node, id);
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

    private static string StagedRoot(StateSession s, string node, Dictionary<string, ListingRow> working, bool includeRevoked) =>
        HeadRoot.Compute(s.Listings.RootEntries(node, includeRevoked).Where(e => !working.ContainsKey(e.Id))
            .Concat(working.Values.Select(r => (r.Id, r.Seq, r.Hash))).ToList());

    private static void Count(string reason) => IndexerTelemetry.ListingsRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a version of {ListingId} from {Node}: {Reason}: {Message}")]
    private partial void LogRejected(string? node, string? listingId, string reason, string message);
}
