using Atlas.Protocol.Geo;
using Atlas.Protocol.Model;
using Atlas.Protocol.Verification;

namespace Atlas.Api.Organisations;

/// <summary>An organisation as a node receives it (submission, admin edit, import): like the published
/// <see cref="Organisation"/>, but every contact carries a visibility and coordinates may be omitted
/// (then the city centre is used). Only public contacts and grid-snapped coordinates are ever published.
/// <c>id</c> is accepted from import files only, so sample data can keep stable cross-node relationships.</summary>
public sealed record OrgInput(
    IReadOnlyDictionary<string, string> Name,
    IReadOnlyList<string> Focus,
    IReadOnlyList<string> Languages,
    IReadOnlyList<LocationInput> Locations,
    string? Id = null,
    IReadOnlyDictionary<string, string>? Description = null,
    IReadOnlyList<ContactInput>? Contacts = null,
    string? Website = null,
    IReadOnlyList<Channel>? Channels = null,
    IReadOnlyList<Relationship>? Relationships = null,
    string? Status = null,
    string? Scope = null,
    string? LastConfirmed = null,
    string? ReviewBy = null);

public sealed record LocationInput(
    string Kind,
    string? City = null,
    string? Country = null,
    double? Lat = null,
    double? Lon = null,
    string? Precision = null,
    string? Address = null,
    IReadOnlyList<string>? ServiceArea = null);

/// <summary>Visibility: public (published), vetted (shown by editors to vetted partners on request),
/// hidden (never leaves the node).</summary>
public sealed record ContactInput(string Kind, string Value, string? Visibility = null, IReadOnlyDictionary<string, string>? Label = null, bool Press = false);

public static class Visibility
{
    public const string Public = "public";
    public static readonly string[] All = ["public", "vetted", "hidden"];
}

/// <summary>Result of checking an input: the normalised private record (defaults filled in), the public
/// organisation that may be signed, and field errors (RFC 9457 validation problem members).</summary>
public sealed record PreparedOrg(OrgInput Private, Organisation Public, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool IsValid => Errors.Count == 0;
}
