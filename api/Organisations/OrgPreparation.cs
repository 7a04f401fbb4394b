using Atlas.Protocol.Geo;
using Atlas.Protocol.Model;
using Atlas.Protocol.Verification;

namespace Atlas.Api.Organisations;

public static class OrgPreparation
{
    public static PreparedOrg Prepare(OrgInput input, DateOnly today)
    {
        var errors = new List<FieldError>();
        var locations = new List<Location>();
        var normalisedLocations = new List<LocationInput>();
        for (var i = 0; i < (input.Locations?.Count ?? 0); i++)
        {
            var (location, normalised) = PrepareLocation($"locations[{i}]", input.Locations![i], errors);
            locations.Add(location);
            normalisedLocations.Add(normalised);
        }

        var contacts = input.Contacts ?? [];
        for (var i = 0; i < contacts.Count; i++)
        {
            if (contacts[i].Visibility is not { } v || !Visibility.All.Contains(v))
            {
                errors.Add(new FieldError($"contacts[{i}].visibility", "Choose public (published), vetted or hidden (both stay on this node)."));
            }
        }

        var lastConfirmed = input.LastConfirmed ?? today.ToString("yyyy-MM-dd");
        var reviewBy = input.ReviewBy ?? (DateOnly.TryParse(lastConfirmed, out var lc) ? lc : today).AddYears(1).ToString("yyyy-MM-dd");
        var normalisedInput = input with
        {
            Description = input.Description ?? new Dictionary<string, string>(),
            Locations = normalisedLocations,
            Contacts = contacts,
            Channels = input.Channels ?? [],
            Relationships = input.Relationships ?? [],
            Status = input.Status ?? "active",
            Scope = input.Scope ?? "local",
            LastConfirmed = lastConfirmed,
            ReviewBy = reviewBy,
        };
        Organisation ToOrg(IEnumerable<ContactInput> cs) => new(
            input.Name ?? new Dictionary<string, string>(),
            normalisedInput.Description!,
            input.Focus ?? [],
            input.Languages ?? [],
            locations,
            cs.Select(c => new Contact(c.Kind, c.Value, c.Label, c.Press)).ToList(),
            input.Website,
            normalisedInput.Channels!,
            normalisedInput.Relationships!,
            normalisedInput.Status!,
            normalisedInput.Scope!,
            lastConfirmed,
            reviewBy);

        // Validate with every contact so field paths match the input; publish only the public ones.
        errors.AddRange(OrganisationValidator.Validate(ToOrg(contacts)));
        var published = ToOrg(contacts.Where(c => c.Visibility == Visibility.Public));
        var grouped = errors
            .GroupBy(e => e.Field)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).Distinct().ToArray());
        return new PreparedOrg(normalisedInput, published, grouped);
    }

    private static (Location Published, LocationInput Normalised) PrepareLocation(string f, LocationInput l, List<FieldError> errors)
    {
        if (l.Kind != "physical")
        {
            return (new Location(l.Kind, l.City, l.Country, l.Lat, l.Lon, l.Precision, l.Address, l.ServiceArea), l);
        }
        var precision = l.Precision ?? "city";
        double? lat = l.Lat, lon = l.Lon;
        if ((lat is null) != (lon is null))
        {
            errors.Add(new FieldError($"{f}.lat", "Give both lat and lon, or neither (then the city centre is used)."));
        }
        else if (lat is { } la && lon is { } lo && !GeoPrivacy.IsValid(la, lo))
        {
            errors.Add(new FieldError($"{f}.lat", "Coordinates are out of range: lat −90..90, lon −180..180."));
            lat = lon = null;
        }
        if (!string.IsNullOrWhiteSpace(l.City))
        {
            var known = Gazetteer.Find(l.City);
            var city = known.FirstOrDefault(c => c.Country == l.Country);
            if (known.Count > 0 && city is null && l.Country is not null)
            {
                var where = string.Join(" or ", known.Select(c => c.Country).Distinct());
                errors.Add(new FieldError($"{f}.country", $"{l.City} is in {where}, not {l.Country}."));
                (lat, lon) = (lat ?? known[0].Lat, lon ?? known[0].Lon); // one clear error, not a second about coordinates
            }
            else if (city is not null && lat is { } la && lon is { } lo)
            {
                var km = Gazetteer.DistanceKm(la, lo, city.Lat, city.Lon);
                if (km > Gazetteer.MaxDistanceKm)
                {
                    errors.Add(new FieldError($"{f}.lat",
                        $"({la}, {lo}) is {km:0} km from the centre of {city.Name} ({city.Lat}, {city.Lon}); give coordinates within {Gazetteer.MaxDistanceKm:0} km of it, or leave them out."));
                }
            }
            else if (city is not null)
            {
                (lat, lon) = (city.Lat, city.Lon);
            }
            else if (known.Count == 0 && lat is null)
            {
                errors.Add(new FieldError($"{f}.city", $"'{l.City}' is not in this node's gazetteer; give lat and lon of the city centre."));
            }
        }
        if (precision == "city" && lat is { } sla && lon is { } slo && GeoPrivacy.IsValid(sla, slo))
        {
            (lat, lon) = GeoPrivacy.Snap(sla, slo);
        }
        var published = new Location("physical", l.City, l.Country, lat, lon, precision, precision == "exact" ? l.Address : null, null);
        if (l.Address is not null && precision != "exact")
        {
            errors.Add(new FieldError($"{f}.address", "An address is published only with precision exact; leave it out, or set precision to exact if the organisation wants it public."));
        }
        return (published, l with { Precision = precision });
    }
}
