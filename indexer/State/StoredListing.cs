using Atlas.Protocol;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;

namespace Atlas.Indexer.State;

/// <summary>Reads a listing JWS that this indexer verified before storing it. Only for stored bytes:
/// anything from the network goes through <see cref="SignedObjects.VerifyListing"/>.</summary>
public static class StoredListing
{
    public static (ListingPayload Payload, string Hash, string Kid) Read(string jws)
    {
        var part = Jws.ParseCompact(jws, JwsTypes.Listing, ProtocolLimits.MaxListingBytes);
        var payload = StrictJson.Parse(part.Payload, ProtocolJsonContext.Default.ListingPayload, ProtocolLimits.MaxListingBytes);
        return (payload, part.VersionHash, part.Header.Kid);
    }

    /// <summary>The public contacts as a set (kind, value): what attack 3 compares.</summary>
    public static HashSet<(string, string)> ContactSet(ListingPayload payload) =>
        payload.Org is null ? [] : payload.Org.Contacts.Select(c => (c.Kind, c.Value.Trim())).ToHashSet();
}
