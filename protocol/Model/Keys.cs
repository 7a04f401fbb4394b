namespace Atlas.Protocol.Model;

/// <summary>A public EC P-256 key as a JSON Web Key (RFC 7517), members in this order.</summary>
public sealed record Jwk(string Kty, string Crv, string X, string Y);

/// <summary>A key named in a keyset. <c>Status</c> is <c>current</c> (signs new objects) or <c>retired</c>
/// (still verifies what it signed) for signing keys, and null for root keys.</summary>
public sealed record KeyEntry(string Kid, Jwk Jwk, string? Status = null);

/// <summary>Payload of a keyset (typ <c>atlas-keyset</c>), signed by root keys in JWS JSON serialization.</summary>
public sealed record KeysetPayload(
    string Iss,
    long Version,
    long Iat,
    long Exp,
    int Threshold,
    IReadOnlyList<KeyEntry> Roots,
    IReadOnlyList<KeyEntry> Signing,
    IReadOnlyList<string> Revoked);

public static class KeyStatus
{
    public const string Current = "current";
    public const string Retired = "retired";
}
