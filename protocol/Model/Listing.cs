namespace Atlas.Protocol.Model;

/// <summary>Payload of a listing version (typ <c>atlas-listing</c>). A tombstone has status
/// <c>tombstone</c> and no <c>org</c>.</summary>
public sealed record ListingPayload(
    string Iss,
    string Id,
    long Seq,
    string? Prev,
    long Iat,
    string Status,
    Organisation? Org);

public static class ListingStatus
{
    public const string Active = "active";
    public const string Tombstone = "tombstone";
}

/// <summary>An organisation as published: only public fields ever appear here.</summary>
public sealed record Organisation(
    IReadOnlyDictionary<string, string> Name,
    IReadOnlyDictionary<string, string> Description,
    IReadOnlyList<string> Focus,
    IReadOnlyList<string> Languages,
    IReadOnlyList<Location> Locations,
    IReadOnlyList<Contact> Contacts,
    string? Website,
    IReadOnlyList<Channel> Channels,
    IReadOnlyList<Relationship> Relationships,
    string Status,
    string Scope,
    string LastConfirmed,
    string ReviewBy);

/// <summary>A place. <c>kind</c> physical (city, country, lat, lon; <c>precision</c> city unless the
/// organisation made its address public) or online (service_area: ISO 3166-1 codes, or "*").</summary>
public sealed record Location(
    string Kind,
    string? City,
    string? Country,
    double? Lat,
    double? Lon,
    string? Precision,
    string? Address,
    IReadOnlyList<string>? ServiceArea);

public sealed record Contact(string Kind, string Value, IReadOnlyDictionary<string, string>? Label, bool Press);

public sealed record Channel(string Kind, string Url);

/// <summary>A relationship to another listing by id (the object may live on another node).</summary>
public sealed record Relationship(string Type, string Target);

public static class Vocab
{
    public static readonly string[] OrgStatuses = ["active", "inactive", "temporarily_closed"];
    public static readonly string[] Scopes = ["local", "regional", "national", "international"];
    public static readonly string[] LocationKinds = ["physical", "online"];
    public static readonly string[] Precisions = ["city", "exact"];
    public static readonly string[] ContactKinds = ["email", "phone", "telegram", "signal", "whatsapp", "web", "other"];
    public static readonly string[] ChannelKinds = ["telegram", "instagram", "youtube", "x", "facebook", "vk", "mastodon", "bluesky", "other"];
    public static readonly string[] RelationshipTypes = ["member_of", "partner_of"];
}
