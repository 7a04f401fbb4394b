using Atlas.Indexer.Peers;
using Atlas.Indexer.State;
using Atlas.Indexer.Sync;
using Atlas.Indexer.Telemetry;
using Atlas.Protocol;
using Atlas.Protocol.Json;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;

namespace Atlas.Indexer.Push;

public sealed partial class PushHandler(
    StateStore store,
    KeysetCache keysets,
    NodeLocks locks,
    SyncSignal syncSignal,
    FlushSignal flushSignal,
    TimeProvider time,
    ILogger<PushHandler> logger)
{
    public string Notify(string compact)
    {
        // iss only chooses the keyset; the head is then verified in the order of §7 with that keyset alone.
        var iss = StrictJson.Parse(Jws.ParseCompact(compact, JwsTypes.Head, ProtocolLimits.MaxHeadBytes).Payload, ProtocolJsonContext.Default.HeadPayload, ProtocolLimits.MaxHeadBytes).Iss;
        var (peer, keyset) = keysets.ForNode(iss)
            ?? throw new ProtocolException(ProtocolError.UnknownKey, $"No configured peer is node '{iss}'.");
        var head = SignedObjects.VerifyHead(compact, keyset, time.GetUtcNow()).Payload;
        if (peer.HeadFeedSeq == head.FeedSeq && peer.HeadRoot != head.Root)
        {
            var message = $"Split view: '{head.Iss}' pushed feed_seq {head.FeedSeq} with root {head.Root}; we hold {peer.HeadRoot}.";
            store.Write(s => s.Alerts.Raise(new NewAlert(AlertKinds.SplitView, head.Iss, null, message)));
            LogSplitView(head.Iss, head.FeedSeq);
            return "split view recorded";
        }
        if (head.FeedSeq > (peer.HeadFeedSeq ?? -1))
        {
            store.Write(s => s.Peers.ScheduleNow(peer.Id));
            syncSignal.Signal.Set();
            return "sync scheduled";
        }
        return "already current";
    }

    /// <summary>Attack 7: a takedown reaches search while its origin is offline. Attack 9: a tombstone for
    /// A's listing signed by B does not verify as A's and is refused.</summary>
    public async Task<string> RelayAsync(string compact, CancellationToken ct)
    {
        var part = Jws.ParseCompact(compact, JwsTypes.Listing, ProtocolLimits.MaxListingBytes);
        var iss = StrictJson.Parse(part.Payload, ProtocolJsonContext.Default.ListingPayload, ProtocolLimits.MaxListingBytes).Iss;
        var (_, keyset) = keysets.ForNode(iss)
            ?? throw new ProtocolException(ProtocolError.UnknownKey, $"No configured peer is node '{iss}'.");
        VerifiedListing v;
        try
        {
            v = SignedObjects.VerifyListing(compact, keyset);
        }
        catch (ProtocolException e) when (e.Error == ProtocolError.UnknownKey && keysets.OtherNodeListing(part.Header.Kid, iss) is { } signer)
        {
            // Verified only with iss's keyset (it failed); the other node is named so the refusal says what happened.
            throw new ProtocolException(ProtocolError.WrongIssuer, $"Tombstone claims issuer '{iss}' but is signed by a key of '{signer}'.");
        }
        if (!v.IsTombstone)
        {
            throw new ProtocolException(ProtocolError.Invalid, "Only tombstones are relayed; new versions come from the node's feed.");
        }
        var node = keyset.Iss;
        var id = v.Payload.Id;
        using (await locks.AcquireAsync(node, ct))
        {
            using var s = store.Write();
            var owner = s.Listings.OwnerOf(id);
            if (owner is null)
            {
                return "unknown listing; nothing to withdraw";
            }
            if (owner != node)
            {
                IndexerTelemetry.ListingsRejected.Add(1, new KeyValuePair<string, object?>("reason", ProtocolError.WrongIssuer.ToString()));
                s.Alerts.AddEvidence(new Evidence(node, id, v.Payload.Seq, ProtocolError.WrongIssuer.ToString(), $"tombstone for a listing of '{owner}'", compact));
                s.Commit();
                throw new ProtocolException(ProtocolError.WrongIssuer, $"Listing {id} belongs to '{owner}'; only it can withdraw it.");
            }
            var row = s.Listings.Get(node, id)!;
            if (v.Payload.Seq <= row.Seq)
            {
                if (v.Payload.Seq == row.Seq && v.Hash != row.Hash)
                {
                    s.Alerts.AddEvidence(new Evidence(node, id, row.Seq, ProtocolError.Equivocation.ToString(), "version already held", row.Jws));
                    s.Alerts.AddEvidence(new Evidence(node, id, v.Payload.Seq, ProtocolError.Equivocation.ToString(), "relayed tombstone", compact));
                    s.Alerts.Raise(new NewAlert(AlertKinds.Equivocation, node, id, $"Node '{node}' signed two different versions with seq {row.Seq}: its key may be compromised."));
                    s.Commit();
                }
                return "already applied";
            }
            if (v.Payload.Seq - row.Seq > ProtocolLimits.MaxSeqStep)
            {
                throw new ProtocolException(ProtocolError.FastForward, $"seq jumps from {row.Seq} to {v.Payload.Seq}.");
            }
            row.Seq = v.Payload.Seq;
            row.Hash = v.Hash;
            row.Jws = v.Jws;
            row.Kid = v.Kid;
            row.Status = v.Payload.Status;
            row.State = row.State == ListingState.Conflict ? ListingState.Conflict : ListingState.Tombstone;
            row.Reason = "relayed tombstone";
            row.VerifiedAt = s.Now;
            s.Listings.ApplyTombstone(row);
            s.Commit();
        }
        flushSignal.Signal.Set();
        LogRelayed(node, id);
        return "withdrawn";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Split view pushed by {Node} at feed_seq {FeedSeq}")]
    private partial void LogSplitView(string node, long feedSeq);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relayed tombstone applied: {Node}/{ListingId}")]
    private partial void LogRelayed(string node, string listingId);
}
