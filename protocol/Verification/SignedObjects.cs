using System.Security.Cryptography;
using System.Text;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;

namespace Atlas.Protocol.Verification;

/// <summary>A listing version whose signature, payload and shape verified.</summary>
public sealed record VerifiedListing(ListingPayload Payload, string Hash, string Kid, string Jws)
{
    public bool IsTombstone => Payload.Status == ListingStatus.Tombstone;
}

public sealed record VerifiedHead(HeadPayload Payload, string Hash, string Kid, string Jws);

/// <summary>Verification of listings and heads, in the order of docs/protocol.md §Verification:
/// size cap → header → kid known and not revoked → ECDSA → strict parse → issuer → shape.</summary>
public static class SignedObjects
{
    public static VerifiedListing VerifyListing(string compact, TrustedKeyset keyset, string? expectedId = null)
    {
        var part = Jws.ParseCompact(compact, JwsTypes.Listing, ProtocolLimits.MaxListingBytes);
        var key = keyset.SigningKey(part.Header.Kid);
        if (!part.VerifyWith(key))
        {
            throw new ProtocolException(ProtocolError.BadSignature, "Listing signature does not verify.");
        }
        var payload = StrictJson.Parse(part.Payload, ProtocolJsonContext.Default.ListingPayload, ProtocolLimits.MaxListingBytes);
        if (payload.Iss != keyset.Iss)
        {
            throw new ProtocolException(ProtocolError.WrongIssuer, $"Listing claims issuer '{payload.Iss}' but was signed by a key of '{keyset.Iss}'.");
        }
        if (expectedId is not null && payload.Id != expectedId)
        {
            throw new ProtocolException(ProtocolError.WrongObject, $"Asked for listing {expectedId}, got {payload.Id}.");
        }
        ListingRules.Check(payload);
        return new VerifiedListing(payload, part.VersionHash, part.Header.Kid, compact);
    }

    public static VerifiedHead VerifyHead(string compact, TrustedKeyset keyset, DateTimeOffset now)
    {
        var part = Jws.ParseCompact(compact, JwsTypes.Head, ProtocolLimits.MaxHeadBytes);
        var key = keyset.SigningKey(part.Header.Kid);
        if (!part.VerifyWith(key))
        {
            throw new ProtocolException(ProtocolError.BadSignature, "Feed head signature does not verify.");
        }
        var payload = StrictJson.Parse(part.Payload, ProtocolJsonContext.Default.HeadPayload, ProtocolLimits.MaxHeadBytes);
        if (payload.Iss != keyset.Iss)
        {
            throw new ProtocolException(ProtocolError.WrongIssuer, $"Feed head claims issuer '{payload.Iss}' but was signed by a key of '{keyset.Iss}'.");
        }
        if (payload.FeedSeq is < 0 or > ProtocolLimits.MaxSeq || payload.Count < 0 || payload.Count > ProtocolLimits.MaxSeq)
        {
            throw new ProtocolException(ProtocolError.FastForward, $"Feed head feed_seq {payload.FeedSeq} is out of range.");
        }
        if (payload.Exp <= now.ToUnixTimeSeconds())
        {
            throw new ProtocolException(ProtocolError.Expired, $"Feed head of '{payload.Iss}' expired at {DateTimeOffset.FromUnixTimeSeconds(payload.Exp):u}.");
        }
        if (payload.Iat > now.Add(ProtocolLimits.MaxHeadClockSkew).ToUnixTimeSeconds())
        {
            throw new ProtocolException(ProtocolError.Invalid,
                $"Feed head of '{payload.Iss}' is dated {DateTimeOffset.FromUnixTimeSeconds(payload.Iat):u}, in the future: the node's clock is ahead by more than {ProtocolLimits.MaxHeadClockSkew.TotalMinutes} minutes.");
        }
        if (payload.Exp - payload.Iat > (long)ProtocolLimits.MaxHeadLifetime.TotalSeconds)
        {
            throw new ProtocolException(ProtocolError.Invalid,
                $"Feed head of '{payload.Iss}' claims to be valid for more than {ProtocolLimits.MaxHeadLifetime.TotalDays} days (exp − iat); freeze detection needs short-lived heads.");
        }
        if (payload.KeysetVersion != keyset.Version)
        {
            throw new ProtocolException(ProtocolError.Invalid, $"Feed head names keyset version {payload.KeysetVersion}; trusted is {keyset.Version}.");
        }
        return new VerifiedHead(payload, part.VersionHash, part.Header.Kid, compact);
    }

    public static string SignListing(ListingPayload payload, AtlasKey key) =>
        Jws.SignCompact(JwsTypes.Listing, ProtocolJson.Serialize(payload), key);

    public static string SignHead(HeadPayload payload, AtlasKey key) =>
        Jws.SignCompact(JwsTypes.Head, ProtocolJson.Serialize(payload), key);

    public static string SignKeyset(KeysetPayload payload, IEnumerable<AtlasKey> rootKeys) =>
        Jws.SignGeneral(JwsTypes.Keyset, ProtocolJson.Serialize(payload), rootKeys);

    /// <summary>The version hash of a compact JWS without verifying it (for stored, already verified objects).</summary>
    public static string HashOf(string compact) => Jws.Hash(Encoding.ASCII.GetBytes(compact[..compact.LastIndexOf('.')]));
}
