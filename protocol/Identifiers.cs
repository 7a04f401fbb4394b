using System.Text.RegularExpressions;

namespace Atlas.Protocol;

public static partial class Identifiers
{
    /// <summary>Node id: 2–63 of [a-z0-9-], starting with a letter.</summary>
    public static bool IsNodeId(string? s) => s is not null && NodeIdRegex().IsMatch(s);

    /// <summary>Listing id: a UUID in lowercase canonical 8-4-4-4-12 form.</summary>
    public static bool IsListingId(string? s) => s is not null && ListingIdRegex().IsMatch(s);

    public static string NewListingId() => Guid.NewGuid().ToString("D");

    [GeneratedRegex("^[a-z][a-z0-9-]{1,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex NodeIdRegex();

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex ListingIdRegex();
}
