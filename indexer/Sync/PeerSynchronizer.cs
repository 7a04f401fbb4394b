using System.Diagnostics;
using Atlas.Indexer.Peers;
using Atlas.Indexer.State;
using Atlas.Indexer.Telemetry;
using Atlas.Protocol;
using Atlas.Protocol.Verification;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Sync;

public sealed record SyncResult(long PeerId, string Peer, bool Ok, int Applied, string? Error);

/// <summary>One sync pass of one peer along its data flow: <see cref="PassFetcher"/> (network and crypto:
/// descriptor → keyset → head → change feed, each page verified on every core) → pages staged in SQLite
/// (<see cref="StagingStore"/>, one transaction a page: memory is bounded by a page, a killed pass resumes) →
/// <see cref="VerifiedPass"/> → <see cref="PassCommitter"/> (state rules via <see cref="ListingTransition"/>, head
/// root, one commit of state + peer row + outbox) → the flusher is woken. Between the stages this class does the
/// little state I/O trust needs (store a new keyset, hide a stale node, record refusals) and turns failures into the
/// peer's backoff. Cost is proportional to the changes; only the root is recomputed over the node's stored
/// (id, seq, hash) rows, locally.</summary>
public sealed partial class PeerSynchronizer(
    StateStore store,
    PassFetcher fetcher,
    PassCommitter committer,
    KeysetCache keysets,
    NodeLocks locks,
    FlushSignal flushSignal,
    IOptions<IndexerOptions> options,
    TimeProvider time,
    ILogger<PeerSynchronizer> logger)
{
    private IndexerOptions Options => options.Value;

    public async Task<SyncResult> SyncAsync(long peerId, CancellationToken stopping)
    {
        var peer = store.Read(s => s.Peers.Get(peerId));
        if (peer is null)
        {
            return new SyncResult(peerId, $"#{peerId}", false, 0, "peer was removed");
        }
        store.Write(s => s.Peers.ClaimAttempt(peerId, s.Now + (long)Options.PollInterval.TotalSeconds));
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
            return new SyncResult(peerId, Label(peerId, peer), true, applied, null);
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
        catch (SyncRejectedException e)
        {
            store.Write(s => s.Alerts.Raise(new NewAlert(e.Kind, e.Node, null, e.Message)));
            error = e.Message;
        }
        catch (PeerFetchException e)
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
        store.Write(s => s.Peers.RecordFailure(peer.Id, error, s.Now + (long)Math.Ceiling(jittered.TotalSeconds)));
        LogFailed(peer.Url, error);
        return new SyncResult(peerId, Label(peerId, peer), false, 0, error);
    }

    private string Label(long peerId, PeerRow peer) => store.Read(s => s.Peers.Get(peerId))?.Label ?? peer.Label;

    private async Task<int> SyncCoreAsync(PeerRow peer, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var fetched = await fetcher.FetchDescriptorAsync(peer, ct);
        var node = fetched.Node;
        if (store.Read(s => s.Peers.NodeIdTakenByOtherPeer(node, peer.Id)))
        {
            throw new ProtocolException(ProtocolError.WrongIssuer, $"Node id '{node}' already belongs to another configured peer.");
        }

        var keyset = await TrustKeysetAsync(peer, fetched, now, ct);
        if (keyset.IsExpired(now))
        {
            store.Write(s => s.Peers.Hide(node, "keyset expired"));
            throw new ProtocolException(ProtocolError.Expired, $"Keyset version {keyset.Version} of '{node}' expired; no new listings are accepted and its listings are hidden.");
        }

        VerifiedHead head;
        try
        {
            head = await fetcher.FetchHeadAsync(fetched, keyset, now, ct);
        }
        catch (HeadExpiredException e)
        {
            peer = store.Read(s => s.Peers.Get(peer.Id)) ?? throw new PeerFetchException("peer was removed during the pass");
            if (HeadTransition.OnExpired(peer, e.Head.Payload, now.ToUnixTimeSeconds()) == HeadExpiry.Rollback)
            {
                throw new ProtocolException(ProtocolError.Rollback,
                    $"{e.Message} It is older than the head held (feed_seq {peer.HeadFeedSeq}, valid until {DateTimeOffset.FromUnixTimeSeconds(peer.HeadExp ?? 0):u}): a replay, ignored.");
            }
            store.Write(s => s.Peers.Hide(node, "feed head expired"));
            throw new ProtocolException(ProtocolError.Expired, e.Message);
        }
        peer = store.Read(s => s.Peers.Get(peer.Id)) ?? throw new PeerFetchException("peer was removed during the pass");
        var staged = HeadTransition.Decide(peer, head, keyset) == HeadStep.Advance;
        if (staged)
        {
            await StageChangesAsync(peer, fetched, keyset, head, ct);
        }

        using (await locks.AcquireAsync(node, ct))
        {
            var applied = committer.Commit(new VerifiedPass(peer.Id, node, fetched.NodeName, head, staged, now));
            flushSignal.Signal.Set();
            return applied;
        }
    }

    /// <summary>§6.2 steps 4–5 up to the state rules: the change feed up to the head, verified and staged page by page
    /// (one transaction each). A pass killed or failed mid-way left its pages staged; when the head is the same (and
    /// the cursor and keyset version), this pass goes on from the first page not staged, else it starts over.</summary>
    private async Task StageChangesAsync(PeerRow peer, FetchedNode fetched, TrustedKeyset keyset, VerifiedHead head, CancellationToken ct)
    {
        var h = head.Payload;
        var after = peer.Cursor > h.FeedSeq ? 0 : peer.Cursor;
        var progress = store.Write(s => s.Staging.Progress(peer.Id) is { } p && p.IsFor(after, h.FeedSeq, h.Root, keyset.Version)
            ? p
            : s.Staging.Begin(peer.Id, after, h.FeedSeq, h.Root, keyset.Version));
        if (progress.NextAfter is not { } from)
        {
            return;
        }
        if (from != after)
        {
            LogResumed(fetched.Node, from, h.FeedSeq);
        }
        await foreach (var page in fetcher.FetchChangesAsync(fetched, keyset, from, h.FeedSeq, progress.Pages, committer.Record, ct))
        {
            if (!store.Write(s => s.Staging.AddPage(progress, page.Versions.Select(v => (v.FeedSeq, v.Listing.Jws)), page.Next)))
            {
                throw new PeerFetchException("another pass of this peer began meanwhile; this one stops");
            }
        }
    }

    /// <summary>Verifies the peer's keyset and stores it when it is new (its revocations take effect at once,
    /// whatever happens to the rest of the pass).</summary>
    private async Task<TrustedKeyset> TrustKeysetAsync(PeerRow peer, FetchedNode fetched, DateTimeOffset now, CancellationToken ct)
    {
        var stored = keysets.Get(peer);
        var walked = new List<TrustedKeyset>();
        var keyset = await fetcher.FetchKeysetAsync(fetched, peer.RootKid, stored, now, ct, walked);
        if (!ReferenceEquals(keyset, stored))
        {
            var kids = keyset.Roots.Keys.Concat(keyset.SigningKeys.Keys).ToHashSet(StringComparer.Ordinal);
            var (listed, proven) = store.Read(s => (
                s.Peers.List().Where(p => p.Id != peer.Id).Select(p => (p, keysets.Get(p))).Where(x => x.Item2 is not null)
                    .SelectMany(x => x.Item2!.Roots.Keys.Concat(x.Item2.SigningKeys.Keys).Where(kids.Contains).Select(kid => (Kid: kid, Node: x.p.NodeId!))).ToList(),
                s.Listings.SignersOf(kids, fetched.Node)));
            switch (KeyBinding.Decide(fetched.Node, listed, proven))
            {
                case { Refuse: true } binding:
                    throw new SyncRejectedException(AlertKinds.KeyConflict, fetched.Node, binding.Message!);
                case { Message: { } message }:
                    store.Write(s => s.Alerts.Raise(new NewAlert(AlertKinds.KeyConflict, fetched.Node, null, message)));
                    break;
            }
            var chain = walked.Select(k => (k.Version, k.RawJson)).ToList();
            store.Write(s => s.Peers.SaveKeyset(peer.Id, fetched.Node, fetched.NodeName, chain, keyset.Payload.Exp, keyset.Revoked));
            keysets.Put(keyset);
            LogKeyset(fetched.Node, keyset.Version);
        }
        else if (peer.NodeName != fetched.NodeName)
        {
            store.Write(s => s.Peers.UpdateNodeName(peer.Id, fetched.NodeName));
        }
        return keyset;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Synced {Url}: {Applied} listing version(s) applied")]
    private partial void LogSynced(string url, int applied);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sync of {Url} failed: {Error}")]
    private partial void LogFailed(string url, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure syncing {Url}")]
    private partial void LogUnexpected(Exception e, string url);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming the staged pass of {Node} at feed_seq {From} of {Until}")]
    private partial void LogResumed(string node, long from, long until);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trusting keyset version {Version} of {Node}")]
    private partial void LogKeyset(string node, long version);
}
