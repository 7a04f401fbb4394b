using System.Globalization;
using Atlas.Indexer.State;
using Atlas.Protocol.Geo;
using Atlas.Protocol.Model;
using Atlas.Protocol.Vocabulary;

namespace Atlas.Indexer.Search;

/// <summary>What search holds for one listing id: its place documents and the signed listing they were built from
/// (null exactly when there are no documents).</summary>
public sealed record BuiltListing(IReadOnlyList<SearchDocument> Documents, SignedDocument? Signed);

/// <summary>Turns the state of one listing id into the documents search should hold for it (none when
/// it must not be shown). Pure function of the state, so recomputing it is always safe.</summary>
public sealed class DocumentBuilder(TimeProvider time)
{
    private static readonly BuiltListing Nothing = new([], null);

    /// <summary>Whether search shows the listing at all (the removal lane's question): exactly when <see cref="Build"/>
    /// gives documents, without building them.</summary>
    public bool Shows(StateSession s, string listingId) => Shown(s.Listings.SearchSourceOf(listingId), Today()) is not null;

    public BuiltListing Build(StateSession s, string listingId)
    {
        var source = s.Listings.SearchSourceOf(listingId);
        if (Shown(source, Today()) is not { } shown)
        {
            return Nothing;
        }
        var row = source!.Row;
        var (shownJws, payload, hash, kid) = shown;
        var org = payload.Org!;
        var endorsedBy = s.Listings.EndorsedBy(listingId, row.Node);
        var alerts = s.Alerts.OpenFor(listingId)
            .Select(a => new AlertDoc(a.Kind, a.Message, Iso(a.Since))).ToList();
        var provenance = new ProvenanceDoc(row.Node, source.NodeName, payload.Seq, hash, kid, Iso(row.VerifiedAt));
        var physical = org.Locations.Where(l => l.Kind == "physical").ToList();
        var cities = physical.Select(l => l.City!).Distinct(StringComparer.Ordinal).ToList();
        var countries = physical.Select(l => l.Country!).Distinct(StringComparer.Ordinal).ToList();
        var contacts = org.Contacts.Select(x => new ContactDoc(x.Kind, x.Value, x.Label, x.Press)).ToList();
        var channels = org.Channels.Select(x => new ChannelDoc(x.Kind, x.Url)).ToList();
        var relationships = org.Relationships.Select(r => new RelationshipDoc(r.Type, r.Target, TargetName(s, r.Target))).ToList();
        var online = org.Locations.Any(l => l.Kind == "online");
        var placeNames = PlaceNames(physical);
        var focusLabels = org.Focus.SelectMany(FocusVocabulary.SearchTerms).Distinct(StringComparer.Ordinal).ToList();
        var cityFocus = cities.SelectMany(city => org.Focus.Select(f => $"{city}|{f}")).Distinct(StringComparer.Ordinal).ToList();

        var documents = org.Locations.Select((l, n) =>
        {
            var geo = l is { Lat: { } lat, Lon: { } lon } ? new GeoDoc(lat, lon) : null;
            string? Cell(int level) => geo is null ? null : MapCells.Id(level, geo.Lat, geo.Lng);
            return new SearchDocument(
            DocId: SearchDocument.DocIdOf(listingId, n),
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
            Geo: geo,
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
            UpdatedAt: payload.Iat,
            Primary: n == 0,
            PlaceNames: placeNames,
            FocusLabels: focusLabels,
            CityFocus: cityFocus,
            Cell4: Cell(4),
            Cell6: Cell(6),
            Cell8: Cell(8),
            Cell10: Cell(10),
            Cell12: Cell(12),
            Cell14: Cell(14),
            Cell16: Cell(16));
        }).ToList();
        return new BuiltListing(documents, SignedDocument.ForListing(listingId, row.Node, shownJws));
    }

    /// <summary>The version search shows for a listing, or null when it must not be shown: no row, a row that is not
    /// live (tombstone, quarantined, revoked, conflict), a hidden node, or past its review_by date.</summary>
    private static (string Jws, ListingPayload Payload, string Hash, string Kid)? Shown(SearchSource? source, string today)
    {
        if (source is null || source.Row.State != ListingState.Live || source.HiddenReason is not null)
        {
            return null;
        }
        var jws = source.Row.ShownJws ?? source.Row.Jws;
        var (payload, hash, kid) = StoredListing.Read(jws);
        return payload.Org is { } org && string.CompareOrdinal(org.ReviewBy, today) >= 0 ? (jws, payload, hash, kid) : null;
    }

    private string Today() => time.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Every name of the organisation's cities and countries in the UI languages and common spellings
    /// (gazetteer), so "Тбилиси", "Тбілісі", "Tiflis" and "Tbilisi" all find it.</summary>
    private static List<string> PlaceNames(IEnumerable<Location> physical) =>
        physical
            .SelectMany(l => (Gazetteer.Lookup(l.City!, l.Country!)?.AllNames ?? [l.City!]).Concat(Gazetteer.CountryNames(l.Country!)))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private static IReadOnlyDictionary<string, string>? TargetName(StateSession s, string target)
    {
        var source = s.Listings.SearchSourceOf(target);
        if (source is null || source.Row.State != ListingState.Live)
        {
            return null;
        }
        return StoredListing.Read(source.Row.ShownJws ?? source.Row.Jws).Payload.Org?.Name;
    }

    private static string Iso(long unixSeconds) =>
        DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
