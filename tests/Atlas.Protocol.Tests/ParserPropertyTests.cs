using System.Text;
using Atlas.Protocol;
using Atlas.Protocol.Json;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Atlas.TestKit;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Atlas.Protocol.Tests;

/// <summary>Property-based checks: whatever bytes arrive, the parsers either accept a valid object or
/// throw <see cref="ProtocolException"/> — never another exception type, never a crash.</summary>
public sealed class ParserPropertyTests : IDisposable
{
    private const int Runs = 500;
    private readonly TestNodeKeys _node = new();

    private static bool OnlyProtocolErrors(Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (ProtocolException)
        {
            return true;
        }
    }

    [Property(MaxTest = Runs)]
    public Property Arbitrary_strings_never_crash_the_listing_verifier()
    {
        var keyset = _node.TrustedKeyset();
        return Prop.ForAll<string>(s => OnlyProtocolErrors(() => SignedObjects.VerifyListing(s ?? "", keyset)));
    }

    [Property(MaxTest = Runs)]
    public Property Arbitrary_dotted_base64_never_crashes_the_verifier()
    {
        var keyset = _node.TrustedKeyset();
        var part = Gen.Elements("eyJhbGciOiJFUzI1NiJ9", "e30", "", "AAAA", "_-_-", "eyJ0eXAiOiJhdGxhcy1saXN0aW5nIn0", "bnVsbA", "W10");
        var compact = Gen.Three(part).Select(t => $"{t.Item1}.{t.Item2}.{t.Item3}");
        return Prop.ForAll(compact.ToArbitrary(), c => OnlyProtocolErrors(() => SignedObjects.VerifyListing(c, keyset)));
    }

    [Property(MaxTest = Runs)]
    public Property Arbitrary_json_payloads_signed_by_a_trusted_key_never_crash()
    {
        var keyset = _node.TrustedKeyset();
        var fragments = Gen.Elements(
            "{", "}", "[", "]", ",", ":", "\"iss\"", "\"berlin\"", "\"id\"", "\"seq\"", "1", "1.5", "-1", "1e999", "null", "true",
            "\"org\"", "\"status\"", "\"active\"", "\"tombstone\"", "\"\\ud800\"", "\"prev\"", "\"iat\"", "99999999999999999999");
        var json = Gen.ListOf(fragments).Select(parts => string.Concat(parts));
        return Prop.ForAll(json.ToArbitrary(), payload =>
        {
            var signed = Jws.SignCompact(JwsTypes.Listing, Encoding.UTF8.GetBytes(payload), _node.Signing);
            return OnlyProtocolErrors(() => SignedObjects.VerifyListing(signed, keyset));
        });
    }

    [Property(MaxTest = Runs)]
    public Property Mutated_valid_listings_are_rejected_or_identical()
    {
        var keyset = _node.TrustedKeyset();
        var jws = _node.Listing("2f1c9a4e-7b3d-4c2a-9e1f-0a1b2c3d4e5f");
        var original = SignedObjects.VerifyListing(jws, keyset);
        var mutation = from i in Gen.Choose(0, jws.Length - 1) from c in Gen.Elements('A', 'B', '-', '_', '.', 'z', '0') select (Item1: i, Item2: c);
        return Prop.ForAll(mutation.ToArbitrary(), m =>
        {
            var chars = jws.ToCharArray();
            chars[m.Item1] = m.Item2;
            var mutated = new string(chars);
            try
            {
                // A mutation may only survive if it is the same version (e.g. unchanged text).
                return SignedObjects.VerifyListing(mutated, keyset).Hash == original.Hash && mutated == jws;
            }
            catch (ProtocolException)
            {
                return true;
            }
        });
    }

    [Property(MaxTest = Runs)]
    public Property Arbitrary_bytes_never_crash_strict_json()
    {
        return Prop.ForAll<byte[]>(bytes => OnlyProtocolErrors(() =>
            StrictJson.Parse(bytes ?? [], ProtocolJsonContext.Default.ChangePage, ProtocolLimits.MaxChangePageBytes)));
    }

    [Property(MaxTest = Runs)]
    public Property Arbitrary_keyset_documents_never_crash_the_keyset_verifier()
    {
        var valid = _node.SignedKeyset();
        var mutation = from i in Gen.Choose(0, valid.Length - 1) from c in Gen.Elements('{', '"', 'A', '0', ']', '\\') select (Item1: i, Item2: c);
        return Prop.ForAll(mutation.ToArbitrary(), m =>
        {
            var chars = valid.ToCharArray();
            chars[m.Item1] = m.Item2;
            return OnlyProtocolErrors(() => KeysetVerifier.VerifyFirst(new string(chars), _node.Root.Kid, DateTimeOffset.UtcNow));
        });
    }

    public void Dispose() => _node.Dispose();
}
