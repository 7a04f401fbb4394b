using System.Numerics;
using System.Text;
using Atlas.Protocol;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Atlas.TestKit;

namespace Atlas.Protocol.Tests;

public class JwsTests
{
    private const string ListingId = "2f1c9a4e-7b3d-4c2a-9e1f-0a1b2c3d4e5f";

    [Fact]
    public void Rfc7515_A3_Es256_example_verifies_with_our_primitive()
    {
        // RFC 7515 Appendix A.3: header {"alg":"ES256"} (no typ/kid, so only the primitive applies).
        using var key = AtlasKey.FromJwk(new Jwk("EC", "P-256", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"));
        var input = Encoding.ASCII.GetBytes("eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ");
        var sig = Base64Url.Decode("DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q");
        Assert.True(key.Verify(input, sig));
        sig[5] ^= 1;
        Assert.False(key.Verify(input, sig));
    }

    [Fact]
    public void Signed_listing_round_trips_and_tampering_fails()
    {
        using var node = new TestNodeKeys();
        var keyset = node.TrustedKeyset();
        var jws = node.Listing(ListingId);
        var verified = SignedObjects.VerifyListing(jws, keyset, ListingId);
        Assert.Equal(1, verified.Payload.Seq);
        Assert.Equal(SignedObjects.HashOf(jws), verified.Hash);

        var parts = jws.Split('.');
        var payload = Encoding.UTF8.GetString(Base64Url.Decode(parts[1])).Replace("help@example.org", "evil@example.org");
        var tampered = $"{parts[0]}.{Base64Url.Encode(Encoding.UTF8.GetBytes(payload))}.{parts[2]}";
        Assert.Equal(ProtocolError.BadSignature, Assert.Throws<ProtocolException>(() => SignedObjects.VerifyListing(tampered, keyset)).Error);
    }

    [Fact]
    public void Malleated_signature_is_the_same_version()
    {
        using var node = new TestNodeKeys();
        var jws = node.Listing(ListingId);
        var parts = jws.Split('.');
        var sig = Base64Url.Decode(parts[2]);
        var n = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);
        var s = new BigInteger(sig.AsSpan(32), isUnsigned: true, isBigEndian: true);
        var flipped = (n - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        var newSig = new byte[64];
        sig.AsSpan(0, 32).CopyTo(newSig);
        flipped.CopyTo(newSig.AsSpan(64 - flipped.Length));
        var malleated = $"{parts[0]}.{parts[1]}.{Base64Url.Encode(newSig)}";

        Assert.NotEqual(jws, malleated);
        var verified = SignedObjects.VerifyListing(malleated, node.TrustedKeyset());
        Assert.Equal(SignedObjects.HashOf(jws), verified.Hash);
    }

    [Fact]
    public void Head_from_the_future_or_claiming_a_long_life_is_rejected()
    {
        using var node = new TestNodeKeys();
        var head = node.Head(3, []);
        // Seen by a verifier whose clock is an hour behind the node's: dated in the future.
        var future = Assert.Throws<ProtocolException>(() => SignedObjects.VerifyHead(head, node.TrustedKeyset(), DateTimeOffset.UtcNow.AddHours(-1)));
        Assert.Equal(ProtocolError.Invalid, future.Error);
        Assert.Contains("in the future", future.Message);
        // Five minutes of drift are tolerated.
        SignedObjects.VerifyHead(head, node.TrustedKeyset(), DateTimeOffset.UtcNow.AddMinutes(-5));

        var longLived = node.Head(3, [], exp: TestNodeKeys.Now + (8 * 86_400));
        Assert.Contains("more than 7 days", Assert.Throws<ProtocolException>(() => SignedObjects.VerifyHead(longLived, node.TrustedKeyset(), DateTimeOffset.UtcNow)).Message);
        SignedObjects.VerifyHead(node.Head(3, [], exp: TestNodeKeys.Now + (7 * 86_400)), node.TrustedKeyset(), DateTimeOffset.UtcNow);
    }

    [Theory]
    [InlineData("{\"alg\":\"none\",\"typ\":\"atlas-listing\",\"kid\":\"K\"}", ProtocolError.BadHeader)]
    [InlineData("{\"alg\":\"HS256\",\"typ\":\"atlas-listing\",\"kid\":\"K\"}", ProtocolError.BadHeader)]
    [InlineData("{\"alg\":\"ES256\",\"typ\":\"atlas-listing\",\"kid\":\"K\",\"jwk\":{\"kty\":\"EC\"}}", ProtocolError.BadHeader)]
    [InlineData("{\"alg\":\"ES256\",\"typ\":\"atlas-listing\",\"kid\":\"K\",\"crit\":[\"exp\"]}", ProtocolError.BadHeader)]
    [InlineData("{\"alg\":\"ES256\",\"alg\":\"ES256\",\"typ\":\"atlas-listing\",\"kid\":\"K\"}", ProtocolError.BadHeader)]
    [InlineData("{\"alg\":\"ES256\",\"typ\":\"atlas-head\",\"kid\":\"K\"}", ProtocolError.WrongType)]
    public void Hostile_headers_are_rejected(string header, ProtocolError expected)
    {
        using var node = new TestNodeKeys();
        var parts = node.Listing(ListingId).Split('.');
        var forged = $"{Base64Url.Encode(Encoding.UTF8.GetBytes(header.Replace("\"K\"", $"\"{node.Signing.Kid}\"")))}.{parts[1]}.{parts[2]}";
        Assert.Equal(expected, Assert.Throws<ProtocolException>(() => SignedObjects.VerifyListing(forged, node.TrustedKeyset())).Error);
    }

    [Fact]
    public void Head_presented_as_listing_is_rejected_by_type()
    {
        using var node = new TestNodeKeys();
        var head = node.Head(1, []);
        Assert.Equal(ProtocolError.WrongType, Assert.Throws<ProtocolException>(() => SignedObjects.VerifyListing(head, node.TrustedKeyset())).Error);
    }

    [Fact]
    public void Unknown_key_and_foreign_issuer_are_rejected()
    {
        using var node = new TestNodeKeys("berlin");
        using var other = new TestNodeKeys("paris");
        var keyset = node.TrustedKeyset();
        Assert.Equal(ProtocolError.UnknownKey, Assert.Throws<ProtocolException>(() => SignedObjects.VerifyListing(other.Listing(ListingId), keyset)).Error);
        var claimsParis = node.Listing(ListingId, iss: "paris");
        Assert.Equal(ProtocolError.WrongIssuer, Assert.Throws<ProtocolException>(() => SignedObjects.VerifyListing(claimsParis, keyset)).Error);
    }

    [Fact]
    public void Wrong_object_is_rejected()
    {
        using var node = new TestNodeKeys();
        var jws = node.Listing(ListingId);
        var ex = Assert.Throws<ProtocolException>(() => SignedObjects.VerifyListing(jws, node.TrustedKeyset(), "00000000-0000-4000-8000-000000000000"));
        Assert.Equal(ProtocolError.WrongObject, ex.Error);
    }

    [Fact]
    public void Absurd_seq_is_a_fast_forward()
    {
        using var node = new TestNodeKeys();
        var jws = node.Listing(ListingId, seq: 9_007_199_254_740_991, prev: "x");
        Assert.Equal(ProtocolError.FastForward, Assert.Throws<ProtocolException>(() => SignedObjects.VerifyListing(jws, node.TrustedKeyset())).Error);
    }

    [Fact]
    public void Expired_head_is_rejected()
    {
        using var node = new TestNodeKeys();
        var head = node.Head(3, [], exp: TestNodeKeys.Now - 1);
        Assert.Equal(ProtocolError.Expired, Assert.Throws<ProtocolException>(() => SignedObjects.VerifyHead(head, node.TrustedKeyset(), DateTimeOffset.UtcNow)).Error);
    }

    [Theory]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("eyJ=.e30.AAAA")]
    public void Malformed_compact_is_rejected(string compact)
    {
        using var node = new TestNodeKeys();
        Assert.Throws<ProtocolException>(() => SignedObjects.VerifyListing(compact, node.TrustedKeyset()));
    }

    [Fact]
    public void Oversized_listing_is_cut_before_parsing()
    {
        using var node = new TestNodeKeys();
        var huge = new string('A', ProtocolLimits.MaxListingBytes + 1);
        Assert.Equal(ProtocolError.TooLarge, Assert.Throws<ProtocolException>(() => SignedObjects.VerifyListing(huge, node.TrustedKeyset())).Error);
    }

    [Theory]
    [InlineData("AA==")]
    [InlineData("AB")]
    [InlineData("A+")]
    [InlineData("A")]
    public void Base64url_is_strict(string text) => Assert.False(Base64Url.TryDecode(text, out _));
}
