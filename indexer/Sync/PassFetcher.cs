using System.Runtime.CompilerServices;
using System.Text;
using Atlas.Hosting;
using Atlas.Indexer.Peers;
using Atlas.Indexer.State;
using Atlas.Protocol;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Sync;

/// <summary>The network and crypto half of a pass: descriptor, keyset, head and change feed, each verified
/// (docs/protocol.md §6.2 steps 1–5, §7). It reads no state and writes none; what it needs of the peer's
/// state (pinned root, trusted keyset, cursor) is passed in.</summary>
public sealed class PassFetcher(PeerHttp http, IOptions<IndexerOptions> options)
{
    private IndexerOptions Options => options.Value;

    public async Task<FetchedNode> FetchDescriptorAsync(PeerRow peer, CancellationToken ct)
    {
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
        links.Bind(descriptor.Links);
        return new FetchedNode(node, descriptor.Name.Length is > 0 and <= 200 ? descriptor.Name : node, links);
    }

    /// <summary>Keyset: first contact verifies from the pinned root; later versions are walked one by one
    /// (attack 11: no skipping, threshold of the old and the new roots). Returns <paramref name="trusted"/>
    /// itself when nothing changed. <c>walked</c> receives every version trusted on the way, intermediate ones too,
    /// oldest first (the chain the signed index publishes).</summary>
    public async Task<TrustedKeyset> FetchKeysetAsync(FetchedNode fetched, string rootKid, TrustedKeyset? trusted, DateTimeOffset now, CancellationToken ct, ICollection<TrustedKeyset>? walked = null)
    {
        var raw = Encoding.UTF8.GetString(await http.GetAsync(fetched.Links.Keyset, ProtocolLimits.MaxKeysetBytes, ct));
        TrustedKeyset keyset;
        if (trusted is null)
        {
            keyset = KeysetVerifier.VerifyFirst(raw, rootKid, now);
        }
        else
        {
            keyset = trusted;
            var steps = 0;
            while (true)
            {
                try
                {
                    keyset = KeysetVerifier.VerifyNext(keyset, raw, now);
                    break;
                }
                catch (ProtocolException e) when (e.Error == ProtocolError.KeysetSplitView)
                {
                    throw new SyncRejectedException(AlertKinds.KeysetSplitView, fetched.Node, e.Message);
                }
                catch (ProtocolException e) when (e.Error == ProtocolError.KeysetGap && steps++ < Options.MaxKeysetSteps)
                {
                    var step = Encoding.UTF8.GetString(await http.GetAsync(fetched.Links.KeysetVersion(keyset.Version + 1), ProtocolLimits.MaxKeysetBytes, ct));
                    // Intermediate versions may have expired since they were current; only the newest has to be
                    // unexpired (TUF root rotation), so their expiry is not checked here.
                    keyset = KeysetVerifier.VerifyNext(keyset, step, DateTimeOffset.UnixEpoch);
                    walked?.Add(keyset);
                }
            }
        }
        if (keyset.Iss != fetched.Node)
        {
            throw new ProtocolException(ProtocolError.WrongIssuer, $"Keyset is for '{keyset.Iss}', the descriptor says '{fetched.Node}'.");
        }
        if (!ReferenceEquals(keyset, trusted) && walked is not null && (walked.Count == 0 || !ReferenceEquals(walked.Last(), keyset)))
        {
            walked.Add(keyset);
        }
        return keyset;
    }

    public async Task<VerifiedHead> FetchHeadAsync(FetchedNode fetched, TrustedKeyset keyset, DateTimeOffset now, CancellationToken ct)
    {
        var headJws = Encoding.UTF8.GetString(await http.GetAsync(fetched.Links.Head, ProtocolLimits.MaxHeadBytes, ct)).Trim();
        try
        {
            return SignedObjects.VerifyHead(headJws, keyset, now);
        }
        catch (ProtocolException e) when (e.Error == ProtocolError.Expired)
        {
            // Verify everything but the expiry (as of the head's own iat, or just before its exp when the node signed an
            // exp that is not after its iat), so the caller can tell a replay of an old head from the node's newest head
            // having expired (§8). A node whose newest head was never valid is frozen like one whose head expired.
            var payload = StrictJson.Parse(Jws.ParseCompact(headJws, JwsTypes.Head, ProtocolLimits.MaxHeadBytes).Payload, ProtocolJsonContext.Default.HeadPayload, ProtocolLimits.MaxHeadBytes);
            var asOf = Math.Min(payload.Iat, payload.Exp - 1);
            throw new HeadExpiredException(SignedObjects.VerifyHead(headJws, keyset, DateTimeOffset.FromUnixTimeSeconds(asOf)), e.Message);
        }
    }

    /// <summary>The change feed from <paramref name="after"/> up to the head's feed_seq, page by page, each page's entries
    /// verified on every core (<see cref="PageVerifier"/>) while the next page is already being fetched. An entry that
    /// does not verify is refused (reported through <paramref name="refused"/> before its page is yielded, so it is kept
    /// even if a later page fails); a page that breaks the feed's rules fails the pass after the refusals of the entries
    /// before the break are reported. Memory: the page being verified and the one being fetched.
    /// <paramref name="pagesBefore"/> counts pages an interrupted pass already staged (<see cref="IndexerOptions.MaxPagesPerPass"/>).</summary>
    public async IAsyncEnumerable<VerifiedPage> FetchChangesAsync(FetchedNode fetched, TrustedKeyset keyset, long after, long until, long pagesBefore,
        Action<IReadOnlyList<Refusal>> refused, [EnumeratorCancellation] CancellationToken ct)
    {
        var node = fetched.Node;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<PooledBytes>? prefetch = null;
        try
        {
            for (var pages = pagesBefore + 1; ; pages++)
            {
                if (pages > Options.MaxPagesPerPass)
                {
                    throw new ProtocolException(ProtocolError.TooLarge, $"Change feed of '{node}' needs more than {Options.MaxPagesPerPass} pages in one pass.");
                }
                ChangePage page;
                using (var bytes = await (prefetch ?? FetchPage(after)))
                {
                    prefetch = null;
                    // The page's bytes go back to the pool as soon as they are parsed: from here only the parsed page lives.
                    page = StrictJson.Parse(bytes.Span, ProtocolJsonContext.Default.ChangePage, ProtocolLimits.MaxChangePageBytes);
                }
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
                var inOrder = PageVerifier.FirstOutOfOrder(page.Entries, after, until);
                var last = inOrder == 0 ? after : page.Entries[inOrder - 1].FeedSeq;
                var nextValid = page.Next is { } n && n > after && n >= last && n <= until;
                if (inOrder == page.Entries.Count && nextValid && pages < Options.MaxPagesPerPass)
                {
                    prefetch = FetchPage(page.Next!.Value);
                }
                var (verified, refusals) = PageVerifier.Verify(node, page.Entries, inOrder, keyset, ct);
                if (refusals.Count > 0)
                {
                    refused(refusals);
                }
                if (inOrder < page.Entries.Count)
                {
                    var bad = page.Entries[inOrder].FeedSeq;
                    throw new ProtocolException(ProtocolError.Invalid, $"Change entry feed_seq {bad} is outside ({last}, {until}] or out of order.");
                }
                if (page.Next is null)
                {
                    yield return new VerifiedPage(verified, null);
                    yield break;
                }
                if (!nextValid)
                {
                    throw new ProtocolException(ProtocolError.Invalid, $"Change page cursor {page.Next} does not advance from {after}.");
                }
                yield return new VerifiedPage(verified, page.Next);
                after = page.Next.Value;
            }
        }
        finally
        {
            if (prefetch is not null)
            {
                // The pass stopped (failure, cancellation, or the consumer stopped reading): drop the page in flight.
                await stop.CancelAsync();
                try
                {
                    (await prefetch).Dispose();
                }
                catch (Exception)
                {
                    // Its outcome no longer matters.
                }
            }
        }

        Task<PooledBytes> FetchPage(long from) =>
            http.GetPooledAsync(fetched.Links.Changes(from, ProtocolLimits.MaxChangePageEntries, until), ProtocolLimits.MaxChangePageBytes, stop.Token);
    }
}
