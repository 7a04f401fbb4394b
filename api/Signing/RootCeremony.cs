using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Atlas.Protocol;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;

namespace Atlas.Api.Signing;

/// <summary>The t-of-n root signing ceremony as pure functions (docs/operations.md, "Root keys held offline"):
/// a request names the exact payload of the next keyset version; each root holder signs it on their own machine
/// with one key file; the node assembles the signatures into the keyset once a threshold of the old roots and of
/// the new roots signed. Every refusal is a <see cref="SigningException"/> with one line saying why.</summary>
public static class RootCeremony
{
    public const int MaxFileBytes = 256 * 1024;

    /// <summary>The request for <paramref name="next"/>, which must follow <paramref name="current"/>.</summary>
    public static KeysetSigningRequest CreateRequest(KeysetPayload next, KeysetPayload current)
    {
        var bytes = ProtocolJson.Serialize(next);
        return new KeysetSigningRequest(KeysetSigningRequest.FormatName, next.Iss, next.Version, current.Version, current.Threshold,
            [.. current.Roots.Select(r => r.Kid)], Base64Url.Encode(bytes), Hash(bytes));
    }

    /// <summary>Checks a request's own integrity (format, hash over the payload bytes, payload shape, versions)
    /// and returns its payload. Needs nothing but the request.</summary>
    public static KeysetPayload Open(KeysetSigningRequest request)
    {
        if (request.Format != KeysetSigningRequest.FormatName)
        {
            throw new SigningException($"Not a keyset signing request (format '{request.Format}', expected '{KeysetSigningRequest.FormatName}').");
        }
        if (!Base64Url.TryDecode(request.Payload, out var bytes) || Hash(bytes) != request.PayloadHash)
        {
            throw new SigningException($"The request's payload does not match its payload_hash {request.PayloadHash}: the file was altered or damaged.");
        }
        KeysetPayload payload;
        try
        {
            payload = StrictJson.Parse(bytes, ProtocolJsonContext.Default.KeysetPayload, ProtocolLimits.MaxKeysetBytes);
        }
        catch (ProtocolException e)
        {
            throw new SigningException($"The request's payload is not a keyset: {e.Message}");
        }
        if (payload.Iss != request.Iss || payload.Version != request.Version || request.Version != request.PreviousVersion + 1)
        {
            throw new SigningException($"The request names '{request.Iss}' version {request.Version} after {request.PreviousVersion}; its payload is '{payload.Iss}' version {payload.Version}.");
        }
        if (payload.Roots.Count is 0 or > 16 || payload.Threshold < 1 || payload.Threshold > payload.Roots.Count)
        {
            throw new SigningException($"The requested keyset has {payload.Roots.Count} root(s) and threshold {payload.Threshold}; it needs 1–16 roots and 1 ≤ threshold ≤ roots.");
        }
        if (request.PreviousRoots.Count is 0 or > 16 || request.PreviousThreshold < 1 || request.PreviousThreshold > request.PreviousRoots.Count)
        {
            throw new SigningException("The request's previous roots and threshold are inconsistent.");
        }
        return payload;
    }

    /// <summary>One root's signature over the request (the holder's machine: no database).</summary>
    public static KeysetRequestSignature Sign(KeysetSigningRequest request, AtlasKey rootKey)
    {
        var payload = Open(request);
        if (!request.PreviousRoots.Contains(rootKey.Kid) && payload.Roots.All(r => r.Kid != rootKey.Kid))
        {
            throw new SigningException($"Key {rootKey.Kid} is not a root of keyset version {request.PreviousVersion} or {request.Version} of '{request.Iss}'; nothing was signed.");
        }
        var signature = rootKey.Sign(SigningInput(rootKey.Kid, request.Payload));
        return new KeysetRequestSignature(KeysetRequestSignature.FormatName, request.PayloadHash, rootKey.Kid, Base64Url.Encode(signature));
    }

    /// <summary>The signed keyset (JWS JSON serialization) for the request, once the signatures carry a threshold of
    /// <paramref name="current"/>'s roots and of the new version's own roots; checked at the end with the same
    /// <see cref="KeysetVerifier"/> every indexer runs.</summary>
    public static string Assemble(KeysetSigningRequest request, IReadOnlyList<(string File, KeysetRequestSignature Signature)> signatures, TrustedKeyset current, DateTimeOffset now)
    {
        var payload = Open(request);
        if (request.Iss != current.Iss || request.PreviousVersion != current.Version)
        {
            throw new SigningException($"The request follows '{request.Iss}' version {request.PreviousVersion}, but the node is '{current.Iss}' at version {current.Version}: make a new request.");
        }
        if (!request.PreviousRoots.Order(StringComparer.Ordinal).SequenceEqual(current.Roots.Keys.Order(StringComparer.Ordinal)) || request.PreviousThreshold != current.Payload.Threshold)
        {
            throw new SigningException($"The request's previous roots or threshold are not those of version {current.Version}: the file was altered.");
        }
        var newRoots = payload.Roots.ToDictionary(r => r.Kid, r => r.Jwk, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var parts = new List<GeneralJwsSignature>();
        foreach (var (file, s) in signatures)
        {
            if (s.Format != KeysetRequestSignature.FormatName)
            {
                throw new SigningException($"{file}: not a keyset request signature (format '{s.Format}').");
            }
            if (s.PayloadHash != request.PayloadHash)
            {
                throw new SigningException($"{file}: signs request hash {s.PayloadHash}, not this request ({request.PayloadHash}).");
            }
            if (!seen.Add(s.Kid))
            {
                throw new SigningException($"{file}: duplicate signer {s.Kid}; each root signs once.");
            }
            var key = current.Roots.GetValueOrDefault(s.Kid) ?? (newRoots.TryGetValue(s.Kid, out var jwk) ? AtlasKey.FromJwk(jwk) : null)
                ?? throw new SigningException($"{file}: signer {s.Kid} is not a root of version {current.Version} or {request.Version}.");
            if (!Base64Url.TryDecode(s.Signature, out var signature) || !key.Verify(SigningInput(s.Kid, request.Payload), signature))
            {
                throw new SigningException($"{file}: the signature by {s.Kid} does not verify.");
            }
            parts.Add(new GeneralJwsSignature(HeaderB64(s.Kid), s.Signature));
        }
        var byOld = seen.Count(current.Roots.ContainsKey);
        var byNew = seen.Count(newRoots.ContainsKey);
        if (byOld < current.Payload.Threshold || byNew < payload.Threshold)
        {
            throw new SigningException($"Threshold not met: {byOld} of version {current.Version}'s roots signed ({current.Payload.Threshold} needed), {byNew} of version {request.Version}'s roots ({payload.Threshold} needed). Nothing was published.");
        }
        if (parts.Count > 16)
        {
            throw new SigningException($"{parts.Count} signatures; a keyset carries at most 16.");
        }
        var jws = JsonSerializer.Serialize(new GeneralJws(request.Payload, parts), ProtocolJsonContext.Default.GeneralJws);
        try
        {
            KeysetVerifier.VerifyNext(current, jws, now);
        }
        catch (ProtocolException e)
        {
            throw new SigningException($"The assembled keyset would be refused by indexers: {e.Message}");
        }
        return jws;
    }

    /// <summary>A short, reviewable description of what a request asks the roots to sign.</summary>
    public static string Describe(KeysetSigningRequest request, KeysetPayload payload)
    {
        var added = payload.Roots.Select(r => r.Kid).Except(request.PreviousRoots).ToList();
        var dropped = request.PreviousRoots.Except(payload.Roots.Select(r => r.Kid)).ToList();
        return $"keyset version {payload.Version} of '{payload.Iss}' (hash {request.PayloadHash}): {payload.Roots.Count} root(s), threshold {payload.Threshold}"
            + $" (was {request.PreviousRoots.Count}, threshold {request.PreviousThreshold}); roots added: {List(added)}; dropped: {List(dropped)};"
            + $" signing keys: {string.Join(", ", payload.Signing.Select(k => $"{k.Kid} {k.Status}"))}; revoked: {List(payload.Revoked)};"
            + $" expires {DateTimeOffset.FromUnixTimeSeconds(payload.Exp):u}";
    }

    public static KeysetSigningRequest ReadRequest(ReadOnlySpan<byte> json, string file) => Read(json, file, CeremonyJsonContext.Default.KeysetSigningRequest);

    public static KeysetRequestSignature ReadSignature(ReadOnlySpan<byte> json, string file) => Read(json, file, CeremonyJsonContext.Default.KeysetRequestSignature);

    private static T Read<T>(ReadOnlySpan<byte> json, string file, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        if (json.Length > MaxFileBytes)
        {
            throw new SigningException($"{file}: larger than {MaxFileBytes} bytes.");
        }
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new SigningException($"{file}: empty.");
        }
        catch (JsonException e)
        {
            throw new SigningException($"{file}: not a valid file of this kind: {e.Message}");
        }
    }

    private static string List(IEnumerable<string> kids) => kids.Any() ? string.Join(", ", kids) : "none";

    private static string Hash(ReadOnlySpan<byte> bytes) => Base64Url.Encode(SHA256.HashData(bytes));

    private static string HeaderB64(string kid) =>
        Base64Url.Encode(JsonSerializer.SerializeToUtf8Bytes(new JwsHeader("ES256", JwsTypes.Keyset, kid), ProtocolJsonContext.Default.JwsHeader));

    private static byte[] SigningInput(string kid, string payloadB64) => Encoding.ASCII.GetBytes(HeaderB64(kid) + "." + payloadB64);
}
