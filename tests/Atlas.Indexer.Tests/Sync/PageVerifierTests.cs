using Atlas.Indexer.State;
using Atlas.Indexer.Sync;
using Atlas.Protocol;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;

namespace Atlas.Indexer.Tests.Sync;

/// <summary>A change page verified on every core ends exactly as the one-by-one loop would: the verified entries in
/// feed order, and each bad entry refused with the reason and evidence the loop gives it. No process, no state.</summary>
public sealed class PageVerifierTests : IDisposable
{
    private readonly TestNodeKeys _node = new("berlin");
    private readonly AtlasKey _stranger = AtlasKey.Generate();

    [Fact]
    public void Parallel_verification_keeps_feed_order_and_refuses_each_bad_entry_as_the_sequential_loop_does()
    {
        var keyset = _node.TrustedKeyset();
        var entries = new List<ChangeEntry>();
        for (var i = 0; i < 600; i++)
        {
            var id = Identifiers.NewListingId();
            var feedSeq = 10 + 3L * i;
            var good = _node.Listing(id, seq: 1);
            entries.Add((i % 7) switch
            {
                // Bad signature: the payload of another listing under this one's signature.
                1 when i % 3 == 0 => new ChangeEntry(feedSeq, id, 1, Tamper(good)),
                // Signed by a key the keyset does not list.
                2 when i % 3 == 0 => new ChangeEntry(feedSeq, id, 1, _node.Listing(id, key: _stranger)),
                // The entry names another id than the signed listing (asked X, got Y).
                3 when i % 3 == 0 => new ChangeEntry(feedSeq, Identifiers.NewListingId(), 1, good),
                // The entry names another seq than the signed listing.
                4 when i % 3 == 0 => new ChangeEntry(feedSeq, id, 2, good),
                _ => new ChangeEntry(feedSeq, id, 1, good),
            });
        }

        var (verified, refused) = PageVerifier.Verify("berlin", entries, entries.Count, keyset, CancellationToken.None);

        var (expectedVerified, expectedRefused) = OneByOne("berlin", entries, keyset);
        Assert.Equal(expectedVerified.Select(v => (v.FeedSeq, v.Listing.Jws, v.Listing.Hash)), verified.Select(v => (v.FeedSeq, v.Listing.Jws, v.Listing.Hash)));
        Assert.Equal(expectedRefused.Select(Describe), refused.Select(Describe));
        Assert.True(verified.Select(v => v.FeedSeq).SequenceEqual(verified.Select(v => v.FeedSeq).Order()), "verified entries out of feed order");
        Assert.Equal(entries.Count, verified.Count + refused.Count);
        Assert.Equal(
            [nameof(ProtocolError.BadSignature), nameof(ProtocolError.UnknownKey), nameof(ProtocolError.WrongObject)],
            refused.Select(r => r.Reason).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(0, 600).Count(i => i % 7 is >= 1 and <= 4 && i % 3 == 0), refused.Count);
    }

    [Fact]
    public void Only_the_entries_before_a_feed_order_break_are_verified()
    {
        var keyset = _node.TrustedKeyset();
        var entries = Enumerable.Range(1, 6).Select(i =>
        {
            var id = Identifiers.NewListingId();
            return new ChangeEntry(i == 5 ? 3 : i, id, 1, i == 2 ? Tamper(_node.Listing(id)) : _node.Listing(id));
        }).ToList();

        var inOrder = PageVerifier.FirstOutOfOrder(entries, after: 0, until: 10);
        var (verified, refused) = PageVerifier.Verify("berlin", entries, inOrder, keyset, CancellationToken.None);

        Assert.Equal(4, inOrder);
        Assert.Equal([1L, 3, 4], verified.Select(v => v.FeedSeq));
        Assert.Equal(entries[1].Id, Assert.Single(refused).ListingId);
        Assert.Equal(0, PageVerifier.FirstOutOfOrder(entries, after: 1, until: 10));
        Assert.Equal(2, PageVerifier.FirstOutOfOrder(entries, after: 0, until: 2));
        Assert.Equal(0, PageVerifier.FirstOutOfOrder([], after: 0, until: 0));
    }

    /// <summary>The reference: the loop the fetcher ran before pages were verified in parallel.</summary>
    private static (List<(long FeedSeq, VerifiedListing Listing)>, List<Refusal>) OneByOne(string node, IReadOnlyList<ChangeEntry> entries, TrustedKeyset keyset)
    {
        var verified = new List<(long, VerifiedListing)>();
        var refused = new List<Refusal>();
        foreach (var entry in entries)
        {
            try
            {
                var listing = SignedObjects.VerifyListing(entry.Jws, keyset, entry.Id);
                if (listing.Payload.Seq != entry.Seq)
                {
                    throw new ProtocolException(ProtocolError.WrongObject, $"Feed entry names seq {entry.Seq}, the signed listing has seq {listing.Payload.Seq}.");
                }
                verified.Add((entry.FeedSeq, listing));
            }
            catch (ProtocolException e)
            {
                refused.Add(Refusal.Of(node, entry.Id, entry.Seq, e.Error.ToString(), e.Message, entry.Jws));
            }
        }
        return (verified, refused);
    }

    private static string Describe(Refusal r) =>
        $"{r.Node}|{r.ListingId}|{r.Reason}|{r.Message}|{string.Join(";", r.Evidence.Select(e => $"{e.Seq}:{e.Reason}:{e.Raw}"))}|{r.Alerts.Count}";

    private string Tamper(string compact)
    {
        var other = _node.Listing(Identifiers.NewListingId()).Split('.');
        var parts = compact.Split('.');
        return $"{parts[0]}.{other[1]}.{parts[2]}";
    }

    public void Dispose()
    {
        _node.Dispose();
        _stranger.Dispose();
    }
}
