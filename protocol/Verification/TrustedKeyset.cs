using System.Collections.Frozen;
using System.Text.Json;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;

namespace Atlas.Protocol.Verification;

/// <summary>A keyset that verified against the pinned root or the previous trusted version. Keys are
/// imported once here and reused for every verification.</summary>
public sealed class TrustedKeyset
{
    internal TrustedKeyset(KeysetPayload payload, string rawJson)
    {
        Payload = payload;
        RawJson = rawJson;
        Roots = payload.Roots.ToFrozenDictionary(k => k.Kid, ImportChecked);
        SigningKeys = payload.Signing.ToFrozenDictionary(k => k.Kid, ImportChecked);
        Revoked = payload.Revoked.ToFrozenSet();
    }

    public KeysetPayload Payload { get; }
    /// <summary>The exact bytes received (JWS JSON serialization), kept for storage and audit.</summary>
    public string RawJson { get; }
    public string Iss => Payload.Iss;
    public long Version => Payload.Version;
    public FrozenDictionary<string, AtlasKey> Roots { get; }
    public FrozenDictionary<string, AtlasKey> SigningKeys { get; }
    public FrozenSet<string> Revoked { get; }

    public bool IsExpired(DateTimeOffset now) => Payload.Exp <= now.ToUnixTimeSeconds();

    /// <summary>The signing key for a kid, or a <see cref="ProtocolException"/> saying why there is none.</summary>
    public AtlasKey SigningKey(string kid)
    {
        if (Revoked.Contains(kid))
        {
            throw new ProtocolException(ProtocolError.RevokedKey, $"Key {kid} was revoked by keyset version {Version}.");
        }
        return SigningKeys.TryGetValue(kid, out var key)
            ? key
            : throw new ProtocolException(ProtocolError.UnknownKey, $"Key {kid} is not a signing key of node '{Iss}'.");
    }

    private static AtlasKey ImportChecked(KeyEntry entry)
    {
        AtlasKey key;
        try
        {
            key = AtlasKey.FromJwk(entry.Jwk);
        }
        catch (FormatException e)
        {
            throw new ProtocolException(ProtocolError.Invalid, $"Key {entry.Kid}: {e.Message}");
        }
        return key.Kid == entry.Kid
            ? key
            : throw new ProtocolException(ProtocolError.Invalid, $"Key id {entry.Kid} does not match its JWK (computed {key.Kid}).");
    }

    /// <summary>Rebuilds a keyset that this process verified earlier (with <see cref="KeysetVerifier"/>) and
    /// stored itself. No signature or expiry check: never call it on bytes received from the network.
    /// Needed because an expired or root-rotated keyset cannot be re-verified from the pinned root, yet
    /// the indexer must still know its revocations and walk forward from it.</summary>
    public static TrustedKeyset Restore(string storedJson)
    {
        var parts = Jws.ParseGeneral(System.Text.Encoding.UTF8.GetBytes(storedJson), JwsTypes.Keyset, ProtocolLimits.MaxKeysetBytes);
        return new TrustedKeyset(ParsePayload(parts[0].Payload), storedJson);
    }

    internal static KeysetPayload ParsePayload(byte[] payload) =>
        StrictJson.Parse(payload, ProtocolJsonContext.Default.KeysetPayload, ProtocolLimits.MaxKeysetBytes);

    public static string Serialize(KeysetPayload payload) => JsonSerializer.Serialize(payload, ProtocolJsonContext.Default.KeysetPayload);
}
