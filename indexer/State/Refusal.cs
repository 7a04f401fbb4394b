using Atlas.Protocol;

namespace Atlas.Indexer.State;

/// <summary>What a refused object leaves behind whatever happens to the pass it came in: evidence (the
/// object exactly as received) and alerts.</summary>
public sealed record Refusal(string? Node, string? ListingId, string Reason, string Message, IReadOnlyList<Evidence> Evidence, IReadOnlyList<NewAlert> Alerts)
{
    /// <summary>One refused object kept as evidence (capped at twice the listing size), with optional earlier
    /// evidence (e.g. the version already held) and alerts.</summary>
    public static Refusal Of(string? node, string? listingId, long? seq, string reason, string message, string raw,
        IReadOnlyList<Evidence>? before = null, IReadOnlyList<NewAlert>? alerts = null)
    {
        var kept = raw.Length <= 2 * ProtocolLimits.MaxListingBytes ? raw : raw[..(2 * ProtocolLimits.MaxListingBytes)];
        return new Refusal(node, listingId, reason, message, [.. before ?? [], new Evidence(node, listingId, seq, reason, message, kept)], alerts ?? []);
    }
}
