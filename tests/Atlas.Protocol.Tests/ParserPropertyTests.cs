using System.Text;
using Atlas.Protocol;
using Atlas.Protocol.Json;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Atlas.TestKit;
using FsCheck;
using FsCheck.Fluent;

namespace Atlas.Protocol.Tests;

/// <summary>Property-based checks: whatever bytes arrive, the parsers either accept a valid object or
/// throw <see cref="ProtocolException"/> — never another exception type, never a crash.</summary>
public class ParserPropertyTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(500);

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

    [Fact]
    public void Arbitrary_strings_never_crash_the_listing_verifier()
    {
        using var node = new TestNodeKeys();
        var keyset = node.TrustedKeyset();
        Prop.ForAll<string>(s => OnlyProtocolErrors(() => SignedObjects.VerifyListing(s ?? "", keyset))).Check(Runs);
    }

    [Fact]
    public void Arbitrary_dotted_base64_never_crashes_the_verifier()
    {
        using var node = new TestNodeKeys();
        var keyset = node.TrustedKeyset();
        var part = Gen.Elements("eyJhbGciOiJFUzI1NiJ9", "e30", "", "AAAA", "_-_-", "eyJ0eXAiOiJhdGxhcy1saXN0aW5nIn0", "bnVsbA", "W10");
        var compact = Gen.Three(part).Select(t => $"{t.Item1}.{t.Item2}.{t.Item3}");
        Prop.ForAll(compact.ToArbitrary(), c => OnlyProtocolErrors(() => SignedObjects.VerifyListing(c, keyset))).Check(Runs);
    }

    [Fact]
    public void Arbitrary_json_payloads_signed_by_a_trusted_key_never_crash()
    {
        using var node = new TestNodeKeys();
        var keyset = node.TrustedKeyset();
        var fragments = Gen.Elements(
            "{", "}", "[", "]", ",", ":", "\"iss\"", "\"berlin\"", "\"id\"", "\"seq\"", "1", "1.5", "-1", "1e999", "null", "true",
            "\"org\"", "\"status\"", "\"active\"", "\"tombstone\"", "\"\\ud800\"", "\"prev\"", "\"iat\"", "99999999999999999999");
        var json = Gen.ListOf(fragments).Select(parts => string.Concat(parts));
        Prop.ForAll(json.ToArbitrary(), payload =>
        {
            var signed = Jws.SignCompact(JwsTypes.Listing, Encoding.UTF8.GetBytes(payload), node.Signing);
            return OnlyProtocolErrors(() => SignedObjects.VerifyListing(signed, keyset));
        }).Check(Runs);
    }

    [Fact]
    public void Mutated_valid_listings_are_rejected_or_identical()
    {
        using var node = new TestNodeKeys();
        var keyset = node.TrustedKeyset();
        var jws = node.Listing("2f1c9a4e-7b3d-4c2a-9e1f-0a1b2c3d4e5f");
        var original = SignedObjects.VerifyListing(jws, keyset);
        var mutation = from i in Gen.Choose(0, jws.Length - 1) from c in Gen.Elements('A', 'B', '-', '_', '.', 'z', '0') select (Item1: i, Item2: c);
        Prop.ForAll(mutation.ToArbitrary(), m =>
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
        }).Check(Runs);
    }

    [Fact]
    public void Arbitrary_bytes_never_crash_strict_json()
    {
        Prop.ForAll<byte[]>(bytes => OnlyProtocolErrors(() =>
            StrictJson.Parse(bytes ?? [], ProtocolJsonContext.Default.ChangePage, ProtocolLimits.MaxChangePageBytes))).Check(Runs);
    }

    [Fact]
    public void Arbitrary_keyset_documents_never_crash_the_keyset_verifier()
    {
        using var node = new TestNodeKeys();
        var valid = node.SignedKeyset();
        var mutation = from i in Gen.Choose(0, valid.Length - 1) from c in Gen.Elements('{', '"', 'A', '0', ']', '\\') select (Item1: i, Item2: c);
        Prop.ForAll(mutation.ToArbitrary(), m =>
        {
            var chars = valid.ToCharArray();
            chars[m.Item1] = m.Item2;
            return OnlyProtocolErrors(() => KeysetVerifier.VerifyFirst(new string(chars), node.Root.Kid, DateTimeOffset.UtcNow));
        }).Check(Runs);
    }
}
