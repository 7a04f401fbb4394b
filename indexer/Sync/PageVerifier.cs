using Atlas.Indexer.State;
using Atlas.Protocol;
using Atlas.Protocol.Model;
using Atlas.Protocol.Verification;

namespace Atlas.Indexer.Sync;

/// <summary>The entries of one change page verified (§7) on every core: CPU only, no I/O, no state. The result keeps
/// the feed order, and each entry ends either verified or refused exactly as a one-by-one loop would decide it.</summary>
public static class PageVerifier
{
    /// <summary>The index of the first entry whose feed_seq is not in (previous, <paramref name="until"/>] (previous
    /// starting at <paramref name="after"/>), or the number of entries when they are all in order.</summary>
    public static int FirstOutOfOrder(IReadOnlyList<ChangeEntry> entries, long after, long until)
    {
        var last = after;
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].FeedSeq <= last || entries[i].FeedSeq > until)
            {
                return i;
            }
            last = entries[i].FeedSeq;
        }
        return entries.Count;
    }

    /// <summary>Verifies the first <paramref name="count"/> entries with <c>expected id = entry.id</c> and the entry's
    /// seq; returns the verified ones and the refused ones, each in feed order.</summary>
    public static (IReadOnlyList<(long FeedSeq, VerifiedListing Listing)> Verified, IReadOnlyList<Refusal> Refused) Verify(
        string node, IReadOnlyList<ChangeEntry> entries, int count, TrustedKeyset keyset, CancellationToken ct)
    {
        var outcomes = new object[count];
        // Each worker verifies with its own copy of the keyset's imported keys: an ECDsa instance is not documented as
        // safe for concurrent use. The copy is the same keyset (rebuilt from the bytes this process verified).
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct },
            () => TrustedKeyset.Restore(keyset.RawJson),
            (i, _, own) =>
            {
                outcomes[i] = VerifyOne(node, entries[i], own);
                return own;
            },
            own =>
            {
                foreach (var key in own.Roots.Values.Concat(own.SigningKeys.Values))
                {
                    key.Dispose();
                }
            });
        var verified = new List<(long, VerifiedListing)>(count);
        var refused = new List<Refusal>();
        for (var i = 0; i < count; i++)
        {
            switch (outcomes[i])
            {
                case VerifiedListing listing:
                    verified.Add((entries[i].FeedSeq, listing));
                    break;
                case Refusal refusal:
                    refused.Add(refusal);
                    break;
            }
        }
        return (verified, refused);
    }

    private static object VerifyOne(string node, ChangeEntry entry, TrustedKeyset keyset)
    {
        try
        {
            var listing = SignedObjects.VerifyListing(entry.Jws, keyset, entry.Id);
            if (listing.Payload.Seq != entry.Seq)
            {
                throw new ProtocolException(ProtocolError.WrongObject, $"Feed entry names seq {entry.Seq}, the signed listing has seq {listing.Payload.Seq}.");
            }
            return listing;
        }
        catch (ProtocolException e)
        {
            return Refusal.Of(node, entry.Id, entry.Seq, e.Error.ToString(), e.Message, entry.Jws);
        }
    }
}
