using System.Globalization;
using Atlas.Indexer.State;
using Atlas.Protocol.Model;
using Microsoft.Data.Sqlite;

namespace Atlas.Indexer.Search;

/// <summary>What search holds for one listing id: its place documents and the signed listing they were built from
/// (null exactly when there are no documents).</summary>
public sealed record BuiltListing(IReadOnlyList<SearchDocument> Documents, SignedDocument? Signed);

/// <summary>Turns the state of one listing id into the documents search should hold for it (none when
/// it must not be shown). Pure function of the state, so recomputing it is always safe.</summary>
public sealed class DocumentBuilder(TimeProvider time)
{
    private static readonly BuiltListing Nothing = new([], null);

    public BuiltListing Build(SqliteConnection c, string listingId)
    {
        var source = StateStore.SearchSourceOf(c, listingId);
        if (source is null || source.Row.State != ListingState.Live || source.HiddenReason is not null)
        {
            return Nothing;
        }
        var row = source.Row;
        var shownJws = row.ShownJws ?? row.Jws;
        var (payload, hash, kid) = StoredListing.Read(shownJws);
        if (payload.Org is not { } org)
        {
            return Nothing;
        }
        var today = time.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (string.CompareOrdinal(org.ReviewBy, today) < 0)
        {
            return Nothing;
        }
        var endorsedBy = StateStore.EndorsedBy(c, listingId, row.Node);
        var alerts = StateStore.OpenAlertsFor(c, listingId)
            .Select(a => new AlertDoc(a.Kind, a.Message, Iso(a.Since))).ToList();
        var provenance = new ProvenanceDoc(row.Node, source.NodeName, payload.Seq, hash, kid, Iso(row.VerifiedAt));
        var physical = org.Locations.Where(l => l.Kind == "physical").ToList();
        var cities = physical.Select(l => l.City!).Distinct(StringComparer.Ordinal).ToList();
        var countries = physical.Select(l => l.Country!).Distinct(StringComparer.Ordinal).ToList();
        var contacts = org.Contacts.Select(x => new ContactDoc(x.Kind, x.Value, x.Label, x.Press)).ToList();
        var channels = org.Channels.Select(x => new ChannelDoc(x.Kind, x.Url)).ToList();
        var relationships = org.Relationships.Select(r => new RelationshipDoc(r.Type, r.Target, TargetName(c, r.Target))).ToList();
        var online = org.Locations.Any(l => l.Kind == "online");

        var documents = org.Locations.Select((l, n) => new SearchDocument(
            DocId: $"{listingId}_{n}",
            ListingId: listingId,
            Node: row.Node,
            NodeName: source.NodeName,
            Name: org.Name,
            Description: org.Description,
            Focus: org.Focus,
            Languages: org.Languages,
            City: l.City,
            Country: l.Country,
            Cities: cities,
            Countries: countries,
            Place: new PlaceDoc(l.Kind, l.City, l.Country, l.Precision, l.Address, l.ServiceArea),
            Geo: l is { Lat: { } lat, Lon: { } lon } ? new GeoDoc(lat, lon) : null,
            Online: online,
            Contacts: contacts,
            HasContact: contacts.Count > 0,
            HasPressContact: contacts.Any(x => x.Press),
            Website: org.Website,
            Channels: channels,
            Relationships: relationships,
            OrgStatus: org.Status,
            Scope: org.Scope,
            LastConfirmed: org.LastConfirmed,
            ReviewBy: org.ReviewBy,
            Provenance: provenance,
            EndorsedBy: endorsedBy,
            Endorsed: endorsedBy.Count >= 2,
            Alerts: alerts,
            HasAlerts: alerts.Count > 0,
            UpdatedAt: payload.Iat)).ToList();
        return new BuiltListing(documents, SignedDocument.ForListing(listingId, row.Node, shownJws));
    }

    private static IReadOnlyDictionary<string, string>? TargetName(SqliteConnection c, string target)
    {
        var source = StateStore.SearchSourceOf(c, target);
        if (source is null || source.Row.State != ListingState.Live)
        {
            return null;
        }
        return StoredListing.Read(source.Row.ShownJws ?? source.Row.Jws).Payload.Org?.Name;
    }

    private static string Iso(long unixSeconds) =>
        DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
