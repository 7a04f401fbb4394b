using Atlas.Indexer.State;
using Atlas.Protocol;
using Atlas.Protocol.Verification;

namespace Atlas.Indexer.Sync;

public enum HeadStep
{
    /// <summary>The head commits to what is held: nothing to fetch, the pass only refreshes the head.</summary>
    Current,
    /// <summary>Fetch the change feed up to the head.</summary>
    Advance,
}

/// <summary>The head rules of §6.2 step 3 against the head held, as a pure function: a lower feed_seq is a
/// rollback, the same feed_seq with another root a split view (both throw; the caller records the split view).</summary>
public static class HeadTransition
{
    public static HeadStep Decide(PeerRow peer, VerifiedHead head, TrustedKeyset keyset)
    {
        var h = head.Payload;
        // A stored head signed by a since-revoked key is void (attack 10): the node's real heads are compared with
        // nothing it did not sign, so a thief's higher feed_seq cannot make them rollbacks or split views.
        var storedHeadVoid = StoredHead.Kid(peer.HeadJws) is { } storedKid && keyset.Revoked.Contains(storedKid);
        if (peer.HeadFeedSeq is { } seenSeq && !storedHeadVoid)
        {
            if (h.FeedSeq < seenSeq)
            {
                throw new ProtocolException(ProtocolError.Rollback, $"Feed head of '{h.Iss}' went back from feed_seq {seenSeq} to {h.FeedSeq}.");
            }
            if (h.FeedSeq == seenSeq && h.Root != peer.HeadRoot)
            {
                throw new SyncRejectedException(AlertKinds.SplitView, h.Iss,
                    $"Split view: '{h.Iss}' signed two different states for feed_seq {h.FeedSeq} (root {peer.HeadRoot} before, {h.Root} now).");
            }
        }
        return h.FeedSeq == peer.HeadFeedSeq && h.Root == peer.HeadRoot ? HeadStep.Current : HeadStep.Advance;
    }
}
