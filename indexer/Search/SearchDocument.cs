using System.Text.Json.Serialization;

namespace Atlas.Indexer.Search;

/// <summary>One Meilisearch document per (listing, place); field names and meaning per docs/search-documents.md.</summary>
public sealed record SearchDocument(
    string DocId,
    string ListingId,
    string Node,
    string NodeName,
    IReadOnlyDictionary<string, string> Name,
    IReadOnlyDictionary<string, string> Description,
    IReadOnlyList<string> Focus,
    IReadOnlyList<string> Languages,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? City,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Country,
    IReadOnlyList<string> Cities,
    IReadOnlyList<string> Countries,
    PlaceDoc Place,
    [property: JsonPropertyName("_geo")] GeoDoc? Geo,
    bool Online,
    IReadOnlyList<ContactDoc> Contacts,
    bool HasContact,
    bool HasPressContact,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Website,
    IReadOnlyList<ChannelDoc> Channels,
    IReadOnlyList<RelationshipDoc> Relationships,
    string OrgStatus,
    string Scope,
    string LastConfirmed,
    string ReviewBy,
    ProvenanceDoc Provenance,
    IReadOnlyList<string> EndorsedBy,
    bool Endorsed,
    IReadOnlyList<AlertDoc> Alerts,
    bool HasAlerts,
    long UpdatedAt,
    bool Primary,
    IReadOnlyList<string> PlaceNames,
    IReadOnlyList<string> FocusLabels,
    IReadOnlyList<string> CityFocus,
    [property: JsonPropertyName("cell_4")] string? Cell4,
    [property: JsonPropertyName("cell_6")] string? Cell6,
    [property: JsonPropertyName("cell_8")] string? Cell8,
    [property: JsonPropertyName("cell_10")] string? Cell10,
    [property: JsonPropertyName("cell_12")] string? Cell12,
    [property: JsonPropertyName("cell_14")] string? Cell14,
    [property: JsonPropertyName("cell_16")] string? Cell16)
{
    /// <summary>The id of a listing's n-th document (its n-th location, online ones included): 0 … count − 1.</summary>
    public static string DocIdOf(string listingId, int n) => $"{listingId}_{n}";
}

public sealed record PlaceDoc(
    string Kind,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? City,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Country,
    string? Precision,
    string? Address,
    IReadOnlyList<string>? ServiceArea);

public sealed record GeoDoc(double Lat, double Lng);

public sealed record ContactDoc(string Kind, string Value, IReadOnlyDictionary<string, string>? Label, bool Press);

public sealed record ChannelDoc(string Kind, string Url);

public sealed record RelationshipDoc(string Type, string Target, IReadOnlyDictionary<string, string>? TargetName);

public sealed record ProvenanceDoc(string Node, string NodeName, long Seq, string Hash, string Kid, string VerifiedAt);

public sealed record AlertDoc(string Kind, string Message, string Since);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SearchDocument))]
[JsonSerializable(typeof(IReadOnlyList<SearchDocument>))]
public sealed partial class SearchJsonContext : JsonSerializerContext;
