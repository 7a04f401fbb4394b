using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Atlas.Protocol;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Atlas.TestKit;

namespace Atlas.Protocol.Tests;

/// <summary>The committed vectors in docs/test-vectors/ must verify byte for byte. Set
/// ATLAS_WRITE_VECTORS=1 to regenerate them (then commit the result) — the checks still run after.</summary>
public class TestVectorTests
{
    private const long FarFuture = 4_102_444_800; // 2100-01-01
    private const long Iat = 1_763_800_000;
    private const string Id = "6f0d3c2a-5b1e-4a8f-9c7d-2e4b6a8c0d1f";
    private static readonly string Dir = Path.Combine(Atlas.TestKit.RepoPaths.Root, "docs", "test-vectors");

    [Fact]
    public void Committed_vectors_verify_byte_for_byte()
    {
        if (Environment.GetEnvironmentVariable("ATLAS_WRITE_VECTORS") == "1")
        {
            Write();
        }
        var vectors = JsonNode.Parse(File.ReadAllText(Path.Combine(Dir, "vectors.json")))!;
        var at = DateTimeOffset.FromUnixTimeSeconds(Iat + 60);

        var keyset = KeysetVerifier.VerifyFirst(Read("keyset.json"), (string)vectors["root_kid"]!, at);
        Assert.Equal((string)vectors["signing_kid"]!, keyset.Payload.Signing.Single().Kid);
        using (var root = AtlasKey.FromPrivatePem(Read("root-key.pem")))
        {
            Assert.Equal((string)vectors["root_kid"]!, root.Kid);
        }

        foreach (var name in new[] { "listing-1", "listing-2", "tombstone-3" })
        {
            var jws = Read($"{name}.jws").Trim();
            var verified = SignedObjects.VerifyListing(jws, keyset, Id);
            var expected = vectors[name]!;
            Assert.Equal((string)expected["hash"]!, verified.Hash);
            Assert.Equal((long)expected["seq"]!, verified.Payload.Seq);
            Assert.Equal((string?)expected["prev"], verified.Payload.Prev);
            Assert.Equal((string)expected["payload"]!, Encoding.UTF8.GetString(Base64Url.Decode(jws.Split('.')[1])));
        }

        var head = SignedObjects.VerifyHead(Read("head.jws").Trim(), keyset, at);
        var tombstone = vectors["tombstone-3"]!;
        Assert.Equal(HeadRoot.Compute([(Id, 3, (string)tombstone["hash"]!)]), head.Payload.Root);
        Assert.Equal((string)vectors["head_root"]!, head.Payload.Root);
        Assert.Equal(HeadRoot.Compute([]), (string)vectors["empty_root"]!);

        foreach (var bad in new[] { "negative-tampered.jws", "negative-alg-none.jws", "negative-wrong-issuer.jws" })
        {
            Assert.Throws<ProtocolException>(() => SignedObjects.VerifyListing(Read(bad).Trim(), keyset));
        }
    }

    private static void Write()
    {
        Directory.CreateDirectory(Dir);
        using var root = AtlasKey.Generate();
        using var signing = AtlasKey.Generate();
        var keysetPayload = new KeysetPayload("example", 1, Iat, FarFuture, 1, [root.ToKeyEntry()], [signing.ToKeyEntry(KeyStatus.Current)], []);
        var keyset = SignedObjects.SignKeyset(keysetPayload, [root]);
        var org = SampleOrganisations.Minimal("Example Legal Aid", "Tbilisi", "GE", 41.72, 44.79) with { Focus = ["legal-aid", "asylum"], Languages = ["ru", "ka", "en"] };
        var v1 = SignedObjects.SignListing(new ListingPayload("example", Id, 1, null, Iat, ListingStatus.Active, org), signing);
        var v2 = SignedObjects.SignListing(new ListingPayload("example", Id, 2, SignedObjects.HashOf(v1), Iat + 10, ListingStatus.Active, org with { Languages = ["ru", "ka", "en", "uk"] }), signing);
        var v3 = SignedObjects.SignListing(new ListingPayload("example", Id, 3, SignedObjects.HashOf(v2), Iat + 20, ListingStatus.Tombstone, null), signing);
        var rootHash = HeadRoot.Compute([(Id, 3, SignedObjects.HashOf(v3))]);
        var head = SignedObjects.SignHead(new HeadPayload("example", 3, Iat + 20, Iat + 20 + 86_400, 1, 1, rootHash), signing);

        var p1 = v1.Split('.');
        var tamperedPayload = Encoding.UTF8.GetString(Base64Url.Decode(p1[1])).Replace("help@example.org", "trap@example.net");
        var tampered = $"{p1[0]}.{Base64Url.Encode(Encoding.UTF8.GetBytes(tamperedPayload))}.{p1[2]}";
        var algNone = $"{Base64Url.Encode("{\"alg\":\"none\",\"typ\":\"atlas-listing\"}"u8)}.{p1[1]}.";
        var wrongIssuer = SignedObjects.SignListing(new ListingPayload("other", Id, 1, null, Iat, ListingStatus.Active, org), signing);

        File.WriteAllText(Path.Combine(Dir, "root-key.pem"), root.ExportPrivatePem());
        File.WriteAllText(Path.Combine(Dir, "signing-key.pem"), signing.ExportPrivatePem());
        File.WriteAllText(Path.Combine(Dir, "keyset.json"), keyset);
        File.WriteAllText(Path.Combine(Dir, "listing-1.jws"), v1 + "\n");
        File.WriteAllText(Path.Combine(Dir, "listing-2.jws"), v2 + "\n");
        File.WriteAllText(Path.Combine(Dir, "tombstone-3.jws"), v3 + "\n");
        File.WriteAllText(Path.Combine(Dir, "head.jws"), head + "\n");
        File.WriteAllText(Path.Combine(Dir, "negative-tampered.jws"), tampered + "\n");
        File.WriteAllText(Path.Combine(Dir, "negative-alg-none.jws"), algNone + "\n");
        File.WriteAllText(Path.Combine(Dir, "negative-wrong-issuer.jws"), wrongIssuer + "\n");

        JsonObject Entry(string jws) => new()
        {
            ["seq"] = SignedObjects.VerifyListing(jws, KeysetVerifier.VerifyFirst(keyset, root.Kid, DateTimeOffset.FromUnixTimeSeconds(Iat + 60))).Payload.Seq,
            ["prev"] = JsonValue.Create(JsonSerializer.Deserialize<JsonElement>(Base64Url.Decode(jws.Split('.')[1])).GetProperty("prev").GetString()),
            ["hash"] = SignedObjects.HashOf(jws),
            ["signing_input_sha256_of"] = "ASCII(header_b64 '.' payload_b64)",
            ["header"] = Encoding.UTF8.GetString(Base64Url.Decode(jws.Split('.')[0])),
            ["payload"] = Encoding.UTF8.GetString(Base64Url.Decode(jws.Split('.')[1])),
        };
        var vectors = new JsonObject
        {
            ["note"] = "TEST KEYS ONLY. Verify at unix time 1763800060. Every .jws file holds one compact JWS and a newline.",
            ["root_kid"] = root.Kid,
            ["signing_kid"] = signing.Kid,
            ["listing-1"] = Entry(v1),
            ["listing-2"] = Entry(v2),
            ["tombstone-3"] = Entry(v3),
            ["head_root_input"] = $"{Id} 3 {SignedObjects.HashOf(v3)}\\n",
            ["head_root"] = rootHash,
            ["empty_root"] = HeadRoot.Compute([]),
            ["negatives"] = new JsonObject
            {
                ["negative-tampered.jws"] = "payload changed after signing: BadSignature",
                ["negative-alg-none.jws"] = "alg none, empty signature: rejected before any key lookup",
                ["negative-wrong-issuer.jws"] = "signed by example's key but iss = other: WrongIssuer",
            },
        };
        File.WriteAllText(Path.Combine(Dir, "vectors.json"), vectors.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }

    private static string Read(string name) => File.ReadAllText(Path.Combine(Dir, name));
}
