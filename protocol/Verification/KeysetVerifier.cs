using System.Text;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;

namespace Atlas.Protocol.Verification;

/// <summary>TUF-style root-of-trust rules for keysets (docs/protocol.md §Keyset):
/// the first keyset must name the pinned root and carry threshold signatures including it; version N+1
/// must be signed by a threshold of N's roots AND of its own; versions never go back or skip; revocations
/// are never undone.</summary>
public static class KeysetVerifier
{
    public static TrustedKeyset VerifyFirst(string signedJson, string pinnedRootKid, DateTimeOffset now)
    {
        var parts = Jws.ParseGeneral(Encoding.UTF8.GetBytes(signedJson), JwsTypes.Keyset, ProtocolLimits.MaxKeysetBytes);
        var candidate = new TrustedKeyset(TrustedKeyset.ParsePayload(parts[0].Payload), signedJson);
        CheckShape(candidate, now);
        if (!candidate.Roots.ContainsKey(pinnedRootKid))
        {
            throw new ProtocolException(ProtocolError.PinMismatch, $"Keyset of '{candidate.Iss}' does not name the pinned root key {pinnedRootKid}.");
        }
        var signers = ValidSigners(parts, candidate.Roots);
        if (!signers.Contains(pinnedRootKid))
        {
            throw new ProtocolException(ProtocolError.PinMismatch, "The pinned root key did not sign this keyset.");
        }
        RequireThreshold(signers.Count, candidate.Payload.Threshold, "its own");
        return candidate;
    }

    public static TrustedKeyset VerifyNext(TrustedKeyset current, string signedJson, DateTimeOffset now)
    {
        if (signedJson == current.RawJson)
        {
            return current;
        }
        var parts = Jws.ParseGeneral(Encoding.UTF8.GetBytes(signedJson), JwsTypes.Keyset, ProtocolLimits.MaxKeysetBytes);
        // Old roots first: nothing from an unauthorised keyset gets parsed beyond its header.
        RequireThreshold(ValidSigners(parts, current.Roots).Count, current.Payload.Threshold, $"version {current.Version}'s");
        var candidate = new TrustedKeyset(TrustedKeyset.ParsePayload(parts[0].Payload), signedJson);
        if (candidate.Iss != current.Iss)
        {
            throw new ProtocolException(ProtocolError.WrongIssuer, $"Keyset issuer changed from '{current.Iss}' to '{candidate.Iss}'.");
        }
        if (candidate.Version == current.Version)
        {
            // Signed by the trusted roots: either the same keyset re-signed (ECDSA signatures differ each time) or
            // two different keysets under one version, which only the roots can make (a split view).
            if (parts[0].Payload.AsSpan().SequenceEqual(Jws.ParseGeneral(Encoding.UTF8.GetBytes(current.RawJson), JwsTypes.Keyset, ProtocolLimits.MaxKeysetBytes)[0].Payload))
            {
                return current;
            }
            throw new ProtocolException(ProtocolError.KeysetSplitView, $"Keyset version {candidate.Version} of '{candidate.Iss}' was served with a payload other than the one trusted: a split view.");
        }
        if (candidate.Version < current.Version)
        {
            throw new ProtocolException(ProtocolError.KeysetRollback, $"Keyset version {candidate.Version} is not newer than trusted version {current.Version}.");
        }
        if (candidate.Version != current.Version + 1)
        {
            throw new ProtocolException(ProtocolError.KeysetGap, $"Keyset version {candidate.Version} skips versions after {current.Version}; fetch them in order.");
        }
        CheckShape(candidate, now);
        RequireThreshold(ValidSigners(parts, candidate.Roots).Count, candidate.Payload.Threshold, "its own");
        var undone = current.Revoked.Except(candidate.Revoked).ToList();
        if (undone.Count > 0)
        {
            throw new ProtocolException(ProtocolError.Invalid, $"Keyset version {candidate.Version} un-revokes {string.Join(", ", undone)}.");
        }
        return candidate;
    }

    private static void CheckShape(TrustedKeyset keyset, DateTimeOffset now)
    {
        var p = keyset.Payload;
        if (p.Version is < 1 or > ProtocolLimits.MaxSeq)
        {
            throw new ProtocolException(ProtocolError.FastForward, $"Keyset version {p.Version} is out of range.");
        }
        if (!Identifiers.IsNodeId(p.Iss))
        {
            throw new ProtocolException(ProtocolError.Invalid, "Keyset iss is not a valid node id.");
        }
        if (p.Roots.Count is 0 or > 16 || p.Threshold < 1 || p.Threshold > p.Roots.Count)
        {
            throw new ProtocolException(ProtocolError.Invalid, "Keyset needs 1–16 roots and 1 ≤ threshold ≤ number of roots.");
        }
        if (p.Signing.Count is 0 or > 64 || !p.Signing.Any(k => k.Status == KeyStatus.Current))
        {
            throw new ProtocolException(ProtocolError.Invalid, "Keyset needs at least one current signing key.");
        }
        if (p.Signing.Any(k => k.Status is not (KeyStatus.Current or KeyStatus.Retired)) || p.Roots.Any(k => k.Status is not null))
        {
            throw new ProtocolException(ProtocolError.Invalid, "Signing keys are current or retired; root keys carry no status.");
        }
        if (p.Signing.Any(k => p.Revoked.Contains(k.Kid)) || p.Roots.Any(k => p.Revoked.Contains(k.Kid)))
        {
            throw new ProtocolException(ProtocolError.Invalid, "A revoked key is still listed as valid.");
        }
        if (p.Exp <= now.ToUnixTimeSeconds())
        {
            throw new ProtocolException(ProtocolError.Expired, $"Keyset version {p.Version} of '{p.Iss}' expired at {DateTimeOffset.FromUnixTimeSeconds(p.Exp):u}.");
        }
    }

    private static HashSet<string> ValidSigners(IReadOnlyList<SignedPart> parts, IReadOnlyDictionary<string, AtlasKey> roots)
    {
        var signers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            if (roots.TryGetValue(part.Header.Kid, out var key) && part.VerifyWith(key))
            {
                signers.Add(part.Header.Kid);
            }
        }
        return signers;
    }

    private static void RequireThreshold(int valid, int threshold, string whose)
    {
        if (valid < threshold)
        {
            throw new ProtocolException(ProtocolError.KeysetThreshold, $"Keyset carries {valid} valid signature(s) by {whose} root keys; {threshold} required.");
        }
    }
}
