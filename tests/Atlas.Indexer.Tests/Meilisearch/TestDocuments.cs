using System.Text.Json.Serialization;
using Atlas.Indexer.Meilisearch;

namespace Atlas.Indexer.Tests.Meilisearch;

public sealed record GeoPoint(double Lat, double Lng);

/// <summary>A reduced organisation search document (docs/search-documents.md) for client tests.</summary>
public sealed record TestOrgDocument
{
    public required string DocId { get; init; }

    public required string ListingId { get; init; }

    public required IReadOnlyDictionary<string, string> Name { get; init; }

    public IReadOnlyDictionary<string, string>? Description { get; init; }

    public IReadOnlyList<string> Focus { get; init; } = [];

    public string? City { get; init; }

    public string? Country { get; init; }

    public bool Online { get; init; }

    [JsonPropertyName("_geo")]
    public GeoPoint? Geo { get; init; }

    public long UpdatedAt { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TestOrgDocument))]
[JsonSerializable(typeof(List<TestOrgDocument>))]
internal sealed partial class TestDocumentsJsonContext : JsonSerializerContext;

/// <summary>Four listings, six places: one in three cities, one online-only.</summary>
public static class TestOrgs
{
    public const string LegalAidId = "11111111-1111-4111-8111-111111111111";
    public const string ShelterId = "22222222-2222-4222-8222-222222222222";
    public const string OnlineId = "33333333-3333-4333-8333-333333333333";
    public const string VilniusId = "44444444-4444-4444-8444-444444444444";

    public static readonly GeoPoint Berlin = new(52.5200, 13.4050);

    public static IReadOnlyList<TestOrgDocument> All { get; } =
    [
        Place(LegalAidId, 0, "Legal Aid Network", ["legal-aid"], "Berlin", "DE", Berlin, 100),
        Place(LegalAidId, 1, "Legal Aid Network", ["legal-aid"], "Munich", "DE", new GeoPoint(48.1372, 11.5756), 100),
        Place(LegalAidId, 2, "Legal Aid Network", ["legal-aid"], "Kyiv", "UA", new GeoPoint(50.4501, 30.5234), 100),
        Place(ShelterId, 0, "Shelter Kreuzberg", ["shelter"], "Berlin", "DE", new GeoPoint(52.4990, 13.4180), 200),
        Place(OnlineId, 0, "Online Counselling", ["psych-support"], null, null, null, 300) with
        {
            Online = true,
            Description = new Dictionary<string, string> { ["en"] = "Free psychological counselling for deserters" },
        },
        Place(VilniusId, 0, "Refuge Vilnius", ["shelter", "legal-aid"], "Vilnius", "LT", new GeoPoint(54.6872, 25.2797), 400),
    ];

    /// <summary>Creates an index with the organisations settings and loads <see cref="All"/>; returns its uid.</summary>
    public static async Task<string> SeedAsync(MeilisearchClient client, string? indexUid = null)
    {
        var uid = indexUid ?? TestKit.Meilisearch.MeilisearchFixture.NewIndexUid("orgs");
        await client.WaitForTaskAsync(await client.CreateIndexAsync(uid, OrganisationIndexSettings.PrimaryKey));
        await client.WaitForTaskAsync(await client.UpdateSettingsAsync(uid, OrganisationIndexSettings.Settings));
        await client.WaitForTaskAsync(
            await client.AddOrReplaceDocumentsAsync(uid, All, TestDocumentsJsonContext.Default.TestOrgDocument));
        return uid;
    }

    private static TestOrgDocument Place(
        string listingId,
        int n,
        string name,
        IReadOnlyList<string> focus,
        string? city,
        string? country,
        GeoPoint? geo,
        long updatedAt) =>
        new()
        {
            DocId = $"{listingId}_{n}",
            ListingId = listingId,
            Name = new Dictionary<string, string> { ["en"] = name },
            Focus = focus,
            City = city,
            Country = country,
            Geo = geo,
            UpdatedAt = updatedAt,
        };
}
