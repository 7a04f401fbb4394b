using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Atlas.Protocol.Json;

namespace Atlas.Protocol.Signing;

/// <summary>The only protected header Atlas accepts: exactly these three members (no crit, jwk, jku, x5u…).</summary>
public sealed record JwsHeader(string Alg, string Typ, string Kid);

/// <summary>JWS JSON general serialization (RFC 7515 §7.2.1), used for keysets (t-of-n root signatures).
/// Unprotected headers are not allowed.</summary>
public sealed record GeneralJws(string Payload, IReadOnlyList<GeneralJwsSignature> Signatures);

public sealed record GeneralJwsSignature(string Protected, string Signature);

public static class JwsTypes
{
    public const string Listing = "atlas-listing";
    public const string Keyset = "atlas-keyset";
    public const string Head = "atlas-head";
}

/// <summary>One signature over <c>base64url(header).base64url(payload)</c>, decoded but not yet verified.</summary>
public sealed class SignedPart
{
    internal SignedPart(string headerB64, string payloadB64, JwsHeader header, byte[] payload, byte[] signature)
    {
        HeaderB64 = headerB64;
        PayloadB64 = payloadB64;
        Header = header;
        Payload = payload;
        Signature = signature;
        SigningInput = Encoding.ASCII.GetBytes(headerB64 + "." + payloadB64);
    }

    public string HeaderB64 { get; }
    public string PayloadB64 { get; }
    public JwsHeader Header { get; }
    public byte[] Payload { get; }
    public byte[] Signature { get; }
    public byte[] SigningInput { get; }

    /// <summary>The version identity: base64url(SHA-256(signing input)). Never the signature: ECDSA
    /// signatures are randomised and malleable, (r, n−s) verifies too.</summary>
    public string VersionHash => Jws.Hash(SigningInput);

    public bool VerifyWith(AtlasKey key) => key.Kid == Header.Kid && key.Verify(SigningInput, Signature);
}

public static class Jws
{

    public static string Hash(ReadOnlySpan<byte> signingInput) => Base64Url.Encode(SHA256.HashData(signingInput));

    /// <summary>Signs a payload as a compact ES256 JWS with header {alg, typ, kid}.</summary>
    public static string SignCompact(string typ, ReadOnlySpan<byte> payload, AtlasKey key)
    {
        var (headerB64, payloadB64, signature) = SignParts(typ, payload, key);
        return $"{headerB64}.{payloadB64}.{Base64Url.Encode(signature)}";
    }

    /// <summary>Signs a payload with several keys in JWS JSON general serialization.</summary>
    public static string SignGeneral(string typ, ReadOnlySpan<byte> payload, IEnumerable<AtlasKey> keys)
    {
        var payloadB64 = Base64Url.Encode(payload);
        var signatures = new List<GeneralJwsSignature>();
        foreach (var key in keys)
        {
            var (headerB64, _, signature) = SignParts(typ, payload, key);
            signatures.Add(new GeneralJwsSignature(headerB64, Base64Url.Encode(signature)));
        }
        return JsonSerializer.Serialize(new GeneralJws(payloadB64, signatures), ProtocolJsonContext.Default.GeneralJws);
    }

    private static (string HeaderB64, string PayloadB64, byte[] Signature) SignParts(string typ, ReadOnlySpan<byte> payload, AtlasKey key)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new JwsHeader("ES256", typ, key.Kid), ProtocolJsonContext.Default.JwsHeader);
        var headerB64 = Base64Url.Encode(header);
        var payloadB64 = Base64Url.Encode(payload);
        var signature = key.Sign(Encoding.ASCII.GetBytes(headerB64 + "." + payloadB64));
        return (headerB64, payloadB64, signature);
    }

    /// <summary>Splits and decodes a compact JWS and checks its header (alg ES256, the expected typ, a kid).
    /// Does not verify the signature and does not parse the payload: callers check the kid, verify, and
    /// only then parse payload bytes that verified.</summary>
    public static SignedPart ParseCompact(string compact, string expectedTyp, int maxBytes)
    {
        if (compact.Length > maxBytes)
        {
            throw new ProtocolException(ProtocolError.TooLarge, $"Signed object is {compact.Length} bytes; the limit is {maxBytes}.");
        }
        var parts = compact.Split('.');
        if (parts.Length != 3)
        {
            throw new ProtocolException(ProtocolError.Malformed, "A compact JWS has exactly three base64url parts separated by dots.");
        }
        return DecodePart(parts[0], parts[1], parts[2], expectedTyp);
    }

    /// <summary>Parses a JWS JSON general serialization into its signed parts (all over one payload).</summary>
    public static IReadOnlyList<SignedPart> ParseGeneral(ReadOnlySpan<byte> json, string expectedTyp, int maxBytes)
    {
        var general = StrictJson.Parse(json, ProtocolJsonContext.Default.GeneralJws, maxBytes);
        if (general.Signatures.Count is 0 or > 16)
        {
            throw new ProtocolException(ProtocolError.Malformed, "A signed keyset carries between 1 and 16 signatures.");
        }
        return general.Signatures.Select(s => DecodePart(s.Protected, general.Payload, s.Signature, expectedTyp)).ToList();
    }

    private static SignedPart DecodePart(string headerB64, string payloadB64, string signatureB64, string expectedTyp)
    {
        if (headerB64.Length > ProtocolLimits.MaxHeaderBytes)
        {
            throw new ProtocolException(ProtocolError.BadHeader, "JWS header is too large.");
        }
        if (!Base64Url.TryDecode(headerB64, out var headerBytes)
            || !Base64Url.TryDecode(payloadB64, out var payload)
            || !Base64Url.TryDecode(signatureB64, out var signature))
        {
            throw new ProtocolException(ProtocolError.Malformed, "JWS parts must be canonical unpadded base64url.");
        }
        JwsHeader header;
        try
        {
            header = StrictJson.Parse(headerBytes, ProtocolJsonContext.Default.JwsHeader, ProtocolLimits.MaxHeaderBytes);
        }
        catch (ProtocolException e)
        {
            throw new ProtocolException(ProtocolError.BadHeader, $"JWS header must be exactly {{alg, typ, kid}}: {e.Message}");
        }
        if (header.Alg != "ES256")
        {
            throw new ProtocolException(ProtocolError.BadHeader, $"Algorithm '{header.Alg}' is not accepted; only ES256.");
        }
        if (header.Typ != expectedTyp)
        {
            throw new ProtocolException(ProtocolError.WrongType, $"Expected typ '{expectedTyp}', got '{header.Typ}'.");
        }
        if (signature.Length != 64)
        {
            throw new ProtocolException(ProtocolError.BadSignature, "An ES256 signature is 64 bytes (r||s).");
        }
        return new SignedPart(headerB64, payloadB64, header, payload, signature);
    }
}
