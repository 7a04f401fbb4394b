using Atlas.Protocol;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;

namespace Atlas.TestKit;

/// <summary>Builds valid protocol objects for tests: a node's keys, keysets, listings and heads.</summary>
public sealed class TestNodeKeys : IDisposable
{
    public TestNodeKeys(string nodeId = "berlin")
    {
        NodeId = nodeId;
        Root = AtlasKey.Generate();
        Signing = AtlasKey.Generate();
    }

    public string NodeId { get; }
    public AtlasKey Root { get; }
    public AtlasKey Signing { get; }

    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public KeysetPayload KeysetPayload(long version = 1, long? exp = null, IReadOnlyList<KeyEntry>? signing = null, IReadOnlyList<string>? revoked = null,
        IReadOnlyList<AtlasKey>? roots = null, int threshold = 1) =>
        new(NodeId, version, Now, exp ?? Now + 86_400 * 365, threshold,
            (roots ?? [Root]).Select(r => r.ToKeyEntry()).ToList(),
            signing ?? [Signing.ToKeyEntry(KeyStatus.Current)],
            revoked ?? []);

    public string SignedKeyset(long version = 1, long? exp = null) => SignedObjects.SignKeyset(KeysetPayload(version, exp), [Root]);

    public TrustedKeyset TrustedKeyset() => KeysetVerifier.VerifyFirst(SignedKeyset(), Root.Kid, DateTimeOffset.UtcNow);

    public string Listing(string id, long seq = 1, string? prev = null, Organisation? org = null, string? iss = null, AtlasKey? key = null) =>
        SignedObjects.SignListing(new ListingPayload(iss ?? NodeId, id, seq, prev, Now, ListingStatus.Active, org ?? SampleOrganisations.Minimal()), key ?? Signing);

    public string Tombstone(string id, long seq, string prev, AtlasKey? key = null) =>
        SignedObjects.SignListing(new ListingPayload(NodeId, id, seq, prev, Now, ListingStatus.Tombstone, null), key ?? Signing);

    public string Head(long feedSeq, IEnumerable<(string Id, long Seq, string Hash)> entries, long keysetVersion = 1, long? exp = null)
    {
        var list = entries.ToList();
        return SignedObjects.SignHead(new HeadPayload(NodeId, feedSeq, Now, exp ?? Now + 86_400, keysetVersion, list.Count, HeadRoot.Compute(list)), Signing);
    }

    public void Dispose()
    {
        Root.Dispose();
        Signing.Dispose();
    }
}

public static class SampleOrganisations
{
    public static Organisation Minimal(string name = "Example Initiative", string city = "Berlin", string country = "DE", double lat = 52.52, double lon = 13.40,
        IReadOnlyList<Contact>? contacts = null) =>
        new(
            Name: new Dictionary<string, string> { ["en"] = name, ["ru"] = "Пример инициативы" },
            Description: new Dictionary<string, string> { ["en"] = "A fictional initiative used in tests." },
            Focus: ["legal-aid"],
            Languages: ["ru", "en"],
            Locations: [new Location("physical", city, country, lat, lon, "city", null, null)],
            Contacts: contacts ?? [new Contact("email", "help@example.org", null, true)],
            Website: "https://example.org/",
            Channels: [],
            Relationships: [],
            Status: "active",
            Scope: "local",
            LastConfirmed: "2026-10-01",
            ReviewBy: "2027-10-01");
}
