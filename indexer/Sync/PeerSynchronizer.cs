using System.Diagnostics;
using System.Text;
using Atlas.Indexer.Peers;
using Atlas.Indexer.State;
using Atlas.Indexer.Telemetry;
using Atlas.Protocol;
using Atlas.Protocol.Json;
using Atlas.Protocol.Verification;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Sync;

/// <summary>A pass was refused as a whole (root mismatch, split view): nothing of it is committed.</summary>
public sealed class SyncRejectedException(string kind, string message) : Exception(message)
{
    public string Kind { get; } = kind;
}

public sealed record SyncResult(long PeerId, string Peer, bool Ok, int Applied, string? Error);

/// <summary>One sync pass of one peer: descriptor → keyset → head → change feed up to the head → verify
/// each version → state checks → head root → one commit (state + outbox). Cost is proportional to the
/// changes; only the root is recomputed over the node's stored (id, seq, hash) rows, locally.</summary>
public sealed partial class PeerSynchronizer(
    StateStore store,
    PeerHttp http,
    KeysetCache keysets,
    NodeLocks locks,
    IOptions<IndexerOptions> options,
    TimeProvider time,
    ILogger<PeerSynchronizer> logger)
{
    private IndexerOptions Options => options.Value;

    public async Task<SyncResult> SyncAsync(long peerId, CancellationToken stopping)
    {
        var peer = store.GetPeer(peerId);
        if (peer is null)
        {
            return new SyncResult(peerId, $"#{peerId}", false, 0, "peer was removed");
        }
        store.ClaimAttempt(peerId, store.Now + (long)Options.PollInterval.TotalSeconds);
        using var activity = IndexerTelemetry.Source.StartActivity("sync peer", ActivityKind.Client);
        activity?.SetTag("atlas.peer.url", peer.Url);
        activity?.SetTag("atlas.node", peer.NodeId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(Options.PeerTimeout);
        string error;
        try
        {
            var applied = await SyncCoreAsync(peer, timeout.Token);
            activity?.SetTag("atlas.sync.applied", applied);
            LogSynced(peer.Url, applied);
            return new SyncResult(peerId, store.GetPeer(peerId)?.Label ?? peer.Label, true, applied, null);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            error = $"sync pass did not finish within {Options.PeerTimeout}";
        }
        catch (ProtocolException e)
        {
            error = $"{e.Error}: {e.Message}";
        }
        catch (Exception e) when (e is PeerFetchException or SyncRejectedException)
        {
            error = e.Message;
        }
        catch (Exception e)
        {
            // A bug or a local fault must not stop the other peers; it is recorded like any failure.
            LogUnexpected(e, peer.Url);
            error = $"internal error: {e.Message}";
        }
        activity?.SetStatus(ActivityStatusCode.Error, error);
        var failures = peer.Failures + 1;
        var backoff = TimeSpan.FromSeconds(Math.Min(Options.MaxBackoff.TotalSeconds, 5 * Math.Pow(2, Math.Min(failures, 20))));
        var jittered = backoff * (0.75 + Random.Shared.NextDouble() / 2);
        store.RecordFailure(peer.Id, error, store.Now + (long)Math.Ceiling(jittered.TotalSeconds));
        LogFailed(peer.Url, error);
        return new SyncResult(peerId, store.GetPeer(peerId)?.Label ?? peer.Label, false, 0, error);
    }

    private async Task<int> SyncCoreAsync(PeerRow peer, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var links = new PeerLinks(peer.Url);
        var descriptor = StrictJson.Parse(await http.GetAsync(links.Descriptor, ProtocolLimits.MaxDescriptorBytes, ct),
            ProtocolJsonContext.Default.NodeDescriptor, ProtocolLimits.MaxDescriptorBytes);
        if (descriptor.Protocol != ProtocolLimits.ProtocolVersion || !Identifiers.IsNodeId(descriptor.NodeId))
        {
            throw new ProtocolException(ProtocolError.Invalid, $"Descriptor speaks '{descriptor.Protocol}' as '{descriptor.NodeId}'; expected {ProtocolLimits.ProtocolVersion} and a node id.");
        }
        var node = descriptor.NodeId;
        if (peer.NodeId is not null && peer.NodeId != node)
        {
            throw new ProtocolException(ProtocolError.WrongIssuer, $"Peer was node '{peer.NodeId}'; its descriptor now says '{node}'.");
        }
        if (store.NodeIdTakenByOtherPeer(node, peer.Id))
        {
            throw new ProtocolException(ProtocolError.WrongIssuer, $"Node id '{node}' already belongs to another configured peer.");
        }
        links.Bind(descriptor.Links);
        var nodeName = descriptor.Name.Length is > 0 and <= 200 ? descriptor.Name : node;

        var keyset = await RefreshKeysetAsync(peer, node, nodeName, links, now, ct);
        if (keyset.IsExpired(now))
        {
            store.HideNode(node, "keyset expired");
            throw new ProtocolException(ProtocolError.Expired, $"Keyset version {keyset.Version} of '{node}' expired; no new listings are accepted and its listings are hidden.");
        }

        var headJws = Encoding.UTF8.GetString(await http.GetAsync(links.Head, ProtocolLimits.MaxHeadBytes, ct)).Trim();
        VerifiedHead head;
        try
        {
            head = SignedObjects.VerifyHead(headJws, keyset, now);
        }
        catch (ProtocolException e) when (e.Error == ProtocolError.Expired)
        {
            store.HideNode(node, "feed head expired");
            throw;
        }
        peer = store.GetPeer(peer.Id) ?? throw new PeerFetchException("peer was removed during the pass");
        var h = head.Payload;
        // A stored head signed by a since-revoked key is void (attack 10): the node's real heads are compared with
        // nothing it did not sign, so a thief's higher feed_seq cannot make them rollbacks or split views.
        var storedHeadVoid = StateStore.HeadKid(peer.HeadJws) is { } storedKid && keyset.Revoked.Contains(storedKid);
        if (peer.HeadFeedSeq is { } seenSeq && !storedHeadVoid)
        {
            if (h.FeedSeq < seenSeq)
            {
                throw new ProtocolException(ProtocolError.Rollback, $"Feed head of '{node}' went back from feed_seq {seenSeq} to {h.FeedSeq}.");
            }
            if (h.FeedSeq == seenSeq && h.Root != peer.HeadRoot)
            {
                throw SplitView(node, h.FeedSeq, peer.HeadRoot, h.Root);
            }
        }

        var verified = h.FeedSeq == peer.HeadFeedSeq && h.Root == peer.HeadRoot ? [] : await FetchChangesAsync(peer, node, keyset, links, h.FeedSeq, ct);

        using (await locks.AcquireAsync(node, ct))
        {
            using var c = store.Open();
            var pass = new PassCommit { Peer = peer };
            var working = new Dictionary<string, ListingRow>(StringComparer.Ordinal);
            var nowS = now.ToUnixTimeSeconds();
            // The per-day cap is about a trusted node suddenly growing; the first import of a peer is not capped.
            var newToday = peer.HeadFeedSeq is null ? long.MinValue : StateStore.CountFirstSeenSince(c, node, nowS - 86_400);
            foreach (var listing in verified)
            {
                Apply(c, node, listing, working, pass, nowS, ref newToday);
            }
            if (verified.Count > 0 || peer.HeadRoot != h.Root)
            {
                var root = HeadRoot.Compute(StateStore.RootEntries(c, node).Where(e => !working.ContainsKey(e.Id))
                    .Concat(working.Values.Select(r => (r.Id, r.Seq, r.Hash))).ToList());
                if (root != h.Root)
                {
                    // Voided versions may or may not still be named: before the node re-signs them, or never (a
                    // listing only the thief published). Either way the rest must add up exactly.
                    root = HeadRoot.Compute(StateStore.RootEntries(c, node, includeRevoked: false).Where(e => !working.ContainsKey(e.Id))
                        .Concat(working.Values.Select(r => (r.Id, r.Seq, r.Hash))).ToList());
                }
                if (root != h.Root)
                {
                    // Mix-and-match or withholding (attack 8): the versions we would hold are not the set the
                    // head signs. Commit nothing of this pass.
                    var message = $"State of '{node}' after feed_seq {h.FeedSeq} hashes to {root}, the head says {h.Root}; pass not committed.";
                    store.RaiseAlert(new NewAlert(AlertKinds.RootMismatch, node, null, message));
                    IndexerTelemetry.ListingsRejected.Add(1, new KeyValuePair<string, object?>("reason", ProtocolError.NotInHead.ToString()));
                    throw new SyncRejectedException(AlertKinds.RootMismatch, message);
                }
            }
            pass.Rows.AddRange(working.Values);
            pass.Unhide = peer.HiddenReason is not null;
            peer.NodeId = node;
            peer.NodeName = nodeName;
            peer.HeadJws = head.Jws;
            peer.HeadFeedSeq = h.FeedSeq;
            peer.HeadRoot = h.Root;
            peer.HeadIat = h.Iat;
            peer.HeadExp = h.Exp;
            peer.Cursor = h.FeedSeq;
            peer.HiddenReason = null;
            peer.LastSuccess = nowS;
            peer.LastAttempt = nowS;
            peer.NextAttempt = nowS + (long)Options.PollInterval.TotalSeconds;
            store.Commit(pass);
            IndexerTelemetry.SyncLag.Record(Math.Max(0, nowS - h.Iat), new KeyValuePair<string, object?>("node", node));
            return pass.Rows.Count;
        }
    }

    private SyncRejectedException SplitView(string node, long feedSeq, string? seenRoot, string root)
    {
        var message = $"Split view: '{node}' signed two different states for feed_seq {feedSeq} (root {seenRoot} before, {root} now).";
        store.RaiseAlert(new NewAlert(AlertKinds.SplitView, node, null, message));
        return new SyncRejectedException(AlertKinds.SplitView, message);
    }

    /// <summary>Keyset: first contact verifies from the pinned root; later versions are walked one by one
    /// (attack 11: no skipping, threshold of the old and the new roots).</summary>
    private async Task<TrustedKeyset> RefreshKeysetAsync(PeerRow peer, string node, string nodeName, PeerLinks links, DateTimeOffset now, CancellationToken ct)
    {
        var raw = Encoding.UTF8.GetString(await http.GetAsync(links.Keyset, ProtocolLimits.MaxKeysetBytes, ct));
        var stored = keysets.Get(peer);
        TrustedKeyset keyset;
        var chain = new List<(long Version, string Json)>();
        if (stored is null)
        {
            keyset = KeysetVerifier.VerifyFirst(raw, peer.RootKid, now);
        }
        else
        {
            keyset = stored;
            var steps = 0;
            while (true)
            {
                try
                {
                    keyset = KeysetVerifier.VerifyNext(keyset, raw, now);
                    break;
                }
                catch (ProtocolException e) when (e.Error == ProtocolError.KeysetGap && steps++ < Options.MaxKeysetSteps)
                {
                    var step = Encoding.UTF8.GetString(await http.GetAsync(links.KeysetVersion(keyset.Version + 1), ProtocolLimits.MaxKeysetBytes, ct));
                    // Intermediate versions may have expired since they were current; only the newest has to be
                    // unexpired (TUF root rotation), so their expiry is not checked here.
                    keyset = KeysetVerifier.VerifyNext(keyset, step, DateTimeOffset.UnixEpoch);
                    chain.Add((keyset.Version, keyset.RawJson));
                }
            }
        }
        if (keyset.Iss != node)
        {
            throw new ProtocolException(ProtocolError.WrongIssuer, $"Keyset is for '{keyset.Iss}', the descriptor says '{node}'.");
        }
        if (!ReferenceEquals(keyset, stored))
        {
            chain.Add((keyset.Version, keyset.RawJson));
            store.SaveKeyset(peer.Id, node, nodeName, chain, keyset.Payload.Exp, keyset.Revoked);
            keysets.Put(keyset);
            LogKeyset(node, keyset.Version);
        }
        else if (peer.NodeName != nodeName)
        {
            store.UpdateNodeName(peer.Id, nodeName);
        }
        return keyset;
    }

    private async Task<List<VerifiedListing>> FetchChangesAsync(PeerRow peer, string node, TrustedKeyset keyset, PeerLinks links, long until, CancellationToken ct)
    {
        var verified = new List<VerifiedListing>();
        var after = peer.Cursor > until ? 0 : peer.Cursor;
        for (var pages = 1; ; pages++)
        {
            if (pages > Options.MaxPagesPerPass)
            {
                throw new ProtocolException(ProtocolError.TooLarge, $"Change feed of '{node}' needs more than {Options.MaxPagesPerPass} pages in one pass.");
            }
            var bytes = await http.GetAsync(links.Changes(after, ProtocolLimits.MaxChangePageEntries, until), ProtocolLimits.MaxChangePageBytes, ct);
            var page = StrictJson.Parse(bytes, ProtocolJsonContext.Default.ChangePage, ProtocolLimits.MaxChangePageBytes);
            if (page.Iss != node)
            {
                throw new ProtocolException(ProtocolError.WrongIssuer, $"Change page is from '{page.Iss}', expected '{node}'.");
            }
            if (page.Until != until)
            {
                throw new ProtocolException(ProtocolError.WrongObject, $"Asked for changes until {until}, got a page until {page.Until}.");
            }
            if (page.Entries.Count > ProtocolLimits.MaxChangePageEntries)
            {
                throw new ProtocolException(ProtocolError.TooLarge, $"Change page has {page.Entries.Count} entries; the limit is {ProtocolLimits.MaxChangePageEntries}.");
            }
            var last = after;
            foreach (var entry in page.Entries)
            {
                if (entry.FeedSeq <= last || entry.FeedSeq > until)
                {
                    throw new ProtocolException(ProtocolError.Invalid, $"Change entry feed_seq {entry.FeedSeq} is outside ({last}, {until}] or out of order.");
                }
                last = entry.FeedSeq;
                try
                {
                    var listing = SignedObjects.VerifyListing(entry.Jws, keyset, entry.Id);
                    if (listing.Payload.Seq != entry.Seq)
                    {
                        throw new ProtocolException(ProtocolError.WrongObject, $"Feed entry names seq {entry.Seq}, the signed listing has seq {listing.Payload.Seq}.");
                    }
                    verified.Add(listing);
                }
                catch (ProtocolException e)
                {
                    Reject(node, entry.Id, entry.Seq, e.Error.ToString(), e.Message, entry.Jws);
                }
            }
            if (page.Next is not { } next)
            {
                return verified;
            }
            if (next <= after || next < last || next > until)
            {
                throw new ProtocolException(ProtocolError.Invalid, $"Change page cursor {next} does not advance from {after}.");
            }
            after = next;
        }
    }

    /// <summary>State checks for one verified version (attacks 3, 4, 5, 6, 9, 16 and the honeypot rules).</summary>
    private void Apply(SqliteConnection c, string node, VerifiedListing v, Dictionary<string, ListingRow> working, PassCommit pass, long now, ref long newToday)
    {
        var p = v.Payload;
        var current = working.GetValueOrDefault(p.Id) ?? StateStore.GetRow(c, node, p.Id);
        // A stored version signed by a since-revoked key is void (attack 10): it cannot make the node's re-signed
        // version a rollback, an equivocation or a revival. The head commitment still has to add up.
        if (current is not null && current.State != ListingState.Revoked)
        {
            if (p.Seq < current.Seq)
            {
                Reject(node, p.Id, p.Seq, ProtocolError.Rollback.ToString(), $"Version {p.Seq} arrived after version {current.Seq}; the newer one is kept.", v.Jws);
                return;
            }
            if (p.Seq == current.Seq)
            {
                if (v.Hash != current.Hash)
                {
                    // Two payloads under one seq can only come from the node's key: compromise. Keep both.
                    store.AddEvidence(new Evidence(node, p.Id, p.Seq, ProtocolError.Equivocation.ToString(), "version already held", current.Jws));
                    Reject(node, p.Id, p.Seq, ProtocolError.Equivocation.ToString(), $"A second, different version {p.Seq} of {p.Id} was signed.", v.Jws);
                    store.RaiseAlert(new NewAlert(AlertKinds.Equivocation, node, p.Id, $"Node '{node}' signed two different versions with seq {p.Seq}: its key may be compromised."));
                }
                // Same hash: the same version, perhaps with other signature bytes (malleability); nothing to do.
                return;
            }
            if (p.Seq - current.Seq > ProtocolLimits.MaxSeqStep)
            {
                Reject(node, p.Id, p.Seq, ProtocolError.FastForward.ToString(), $"seq jumps from {current.Seq} to {p.Seq}.", v.Jws);
                return;
            }
            if (current.Status == Protocol.Model.ListingStatus.Tombstone)
            {
                Reject(node, p.Id, p.Seq, ProtocolError.Invalid.ToString(), "A withdrawn listing cannot come back.", v.Jws);
                return;
            }
        }
        else if (p.Seq > ProtocolLimits.MaxSeqStep)
        {
            Reject(node, p.Id, p.Seq, ProtocolError.FastForward.ToString(), $"A first-seen listing starts at seq {p.Seq}.", v.Jws);
            return;
        }

        var row = current?.Clone() ?? new ListingRow { Node = node, Id = p.Id, FirstSeen = now, Initial = newToday < 0 ? 1 : 0 };
        row.Seq = p.Seq;
        row.Hash = v.Hash;
        row.Jws = v.Jws;
        row.Kid = v.Kid;
        row.Status = p.Status;
        row.ReviewBy = p.Org?.ReviewBy;
        row.VerifiedAt = now;
        row.Reason = null;

        var owner = current is null || current.State == ListingState.Conflict ? StateStore.OwnerOf(c, p.Id) : node;
        if (owner is not null && owner != node)
        {
            // Attack 9: another node's listing id (a forged takedown or a hijack); kept only for this node's root.
            row.State = ListingState.Conflict;
            row.Reason = $"listing id owned by '{owner}'";
            Count("IdConflict");
            pass.Alerts.Add(new NewAlert(AlertKinds.IdConflict, node, null, $"'{node}' published listing {p.Id}, which belongs to '{owner}'; ignored."));
        }
        else if (v.IsTombstone)
        {
            row.State = ListingState.Tombstone;
            ClearHold(row, pass);
        }
        else if (current is null || current.State == ListingState.Conflict)
        {
            if (current is null && newToday >= Options.MaxNewOrganisationsPerNodePerDay)
            {
                row.State = ListingState.Quarantined;
                row.Reason = $"more than {Options.MaxNewOrganisationsPerNodePerDay} new organisations from '{node}' in 24 h";
                Count(AlertKinds.NewNodeBurst);
                pass.Alerts.Add(new NewAlert(AlertKinds.NewNodeBurst, node, p.Id, $"Quarantined: {row.Reason}."));
                newToday++;
            }
            else
            {
                row.State = ListingState.Live;
                newToday += current is null ? 1 : 0;
            }
        }
        else if (current.State == ListingState.Live)
        {
            var shownJws = current.ShownJws ?? current.Jws;
            var shown = StoredListing.Read(shownJws).Payload;
            if (Options.ContactCoolOff > TimeSpan.Zero && !StoredListing.ContactSet(shown).SetEquals(StoredListing.ContactSet(p)))
            {
                // Attack 3: a stolen key's first move is to swap contacts. Keep the old version in search for
                // the cool-off; the organisation and the node operator see the alert in the meantime.
                row.ShownJws = shownJws;
                row.ShownKid = current.ShownKid ?? current.Kid;
                row.HeldUntil = current.HeldUntil ?? now + (long)Options.ContactCoolOff.TotalSeconds;
                var until = DateTimeOffset.FromUnixTimeSeconds(row.HeldUntil.Value);
                pass.Alerts.Add(new NewAlert(AlertKinds.ContactChanged, node, p.Id,
                    $"Contact change in version {p.Seq} pending until {until:yyyy-MM-dd HH:mm} UTC; the previous contacts stay in search."));
            }
            else
            {
                ClearHold(row, pass);
            }
        }
        else if (current.State == ListingState.Revoked)
        {
            // Re-signed with a valid key after a revocation (attack 10): visible again.
            row.State = ListingState.Live;
            ClearHold(row, pass);
        }

        if (row.State == ListingState.Live && p.Org is { } org)
        {
            var findings = new List<string>();
            foreach (var name in org.Name.Values)
            {
                if (Confusables.HasMixedScriptWord(name))
                {
                    findings.Add($"Name '{Confusables.Describe(name)}' mixes Latin and Cyrillic letters in one word.");
                }
                var skeleton = Confusables.Skeleton(name);
                if (skeleton.Length >= 3 && StateStore.SameSkeleton(c, skeleton, node) is [var other, ..])
                {
                    findings.Add($"Name '{Confusables.Describe(name)}' looks like listing {other.Id} of node '{other.Node}'.");
                }
            }
            if (findings.Count > 0)
            {
                // One open alert per (kind, listing): all findings in one message.
                pass.Alerts.Add(new NewAlert(AlertKinds.ConfusableName, node, p.Id, string.Join(" ", findings)));
            }
        }
        if (row.State is ListingState.Live or ListingState.Tombstone)
        {
            IndexerTelemetry.ListingsVerified.Add(1, new KeyValuePair<string, object?>("node", node));
        }
        working[p.Id] = row;
    }

    private static void ClearHold(ListingRow row, PassCommit pass)
    {
        if (row.HeldUntil is not null || row.ShownJws is not null)
        {
            row.ShownJws = null;
            row.ShownKid = null;
            row.HeldUntil = null;
        }
        pass.Resolve.Add((AlertKinds.ContactChanged, row.Id));
    }

    private void Reject(string node, string? listingId, long? seq, string reason, string message, string raw)
    {
        Count(reason);
        LogRejected(node, listingId, reason, message);
        store.AddEvidence(new Evidence(node, listingId, seq, reason, message, raw.Length <= 2 * ProtocolLimits.MaxListingBytes ? raw : raw[..(2 * ProtocolLimits.MaxListingBytes)]));
    }

    private static void Count(string reason) => IndexerTelemetry.ListingsRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    [LoggerMessage(Level = LogLevel.Information, Message = "Synced {Url}: {Applied} listing version(s) applied")]
    private partial void LogSynced(string url, int applied);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sync of {Url} failed: {Error}")]
    private partial void LogFailed(string url, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure syncing {Url}")]
    private partial void LogUnexpected(Exception e, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a version of {ListingId} from {Node}: {Reason}: {Message}")]
    private partial void LogRejected(string node, string? listingId, string reason, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trusting keyset version {Version} of {Node}")]
    private partial void LogKeyset(string node, long version);
}
