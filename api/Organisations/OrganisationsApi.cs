using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Atlas.Api.Federation;
using Atlas.Protocol.Geo;
using Atlas.Protocol.Model;
using Atlas.Protocol.Vocabulary;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Atlas.Api.Organisations;

public sealed record OrganisationItem(string Id, long Seq, Organisation Org);

public sealed record OrganisationPage(IReadOnlyList<OrganisationItem> Items, int Page, int PageSize, int Total);

/// <summary>A gazetteer city for the propose page's picker: canonical name (what a submission sends), country, its name
/// in each UI language and the other spellings people type.</summary>
public sealed record PlaceView(string Name, string Country, IReadOnlyDictionary<string, string> Names, IReadOnlyList<string> Variants);

public sealed record OrganisationQuery(string? City, string? Country, string? Focus, string? Language, string? Q, int? Page);

/// <summary>Plain-JSON browsing of this node's published organisations: exactly what the signed listings
/// say (public fields only), for the map site and simple tools. Filtering is in memory over parsed versions
/// (<see cref="PublishedOrganisations"/>): a node holds hundreds or thousands of organisations, not millions; the
/// indexers do search at scale.</summary>
public static class OrganisationsApi
{
    public const int PageSize = 50;

    public static IEndpointRouteBuilder MapOrganisations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Organisations").RequireCors(NodeServices.PublicReadCors);
        group.MapGet("/organisations", Browse).WithName("BrowseOrganisations")
            .WithSummary("This node's published organisations (public fields), filtered by city, country, focus, language or text, 50 a page.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/organisations/{id}", Published).WithName("GetPublishedOrganisation")
            .WithSummary("One published organisation (public fields): what a suggested correction starts from.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/vocabulary", () => TypedResults.Ok(FocusVocabulary.Document)).WithName("GetVocabulary")
            .WithSummary("The focus-area vocabulary (ids and labels in every language) that listings use.");
        group.MapGet("/places", () => TypedResults.Ok(Gazetteer.Cities.Select(c => new PlaceView(c.Name, c.Country, c.Names, c.Variants)).ToList()))
            .WithName("GetPlaces").WithSummary("The node's gazetteer: known cities with country, centre and the names people type.");
        return app;
    }

    public static Results<Ok<OrganisationPage>, ProblemHttpResult> Browse([AsParameters] OrganisationQuery query, NodeStore store, PublishedOrganisations organisations)
    {
        var page = query.Page ?? 1;
        if (page < 1)
        {
            return TypedResults.Problem(statusCode: 400, title: "Bad query", detail: "page starts at 1.");
        }
        using var conn = store.Open();
        var cityNames = query.City is null ? null : CityNames(query.City);
        var matches = organisations.Current(conn).Where(i => Matches(i.Org, query, cityNames)).ToList();
        return TypedResults.Ok(new OrganisationPage(matches.Skip((page - 1) * PageSize).Take(PageSize).ToList(), page, PageSize, matches.Count));
    }

    public static Results<Ok<OrganisationItem>, ProblemHttpResult> Published(string id, NodeStore store, PublishedOrganisations organisations)
    {
        using var conn = store.Open();
        return organisations.Current(conn).FirstOrDefault(i => i.Id == id) is { } item
            ? TypedResults.Ok(item)
            : TypedResults.Problem(statusCode: 404, title: "Not found", detail: "This node publishes no organisation with that id.");
    }

    /// <summary>"Берлин" finds Berlin: a city filter matches every gazetteer variant of the name.</summary>
    private static HashSet<string> CityNames(string city)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { city.Trim() };
        foreach (var c in Gazetteer.Find(city))
        {
            names.Add(c.Name);
            names.UnionWith(c.Variants);
        }
        return names;
    }

    private static bool Matches(Organisation org, OrganisationQuery q, HashSet<string>? cityNames) =>
        (cityNames is null || org.Locations.Any(l => l.City is not null && cityNames.Contains(l.City)))
        && (q.Country is null || org.Locations.Any(l => string.Equals(l.Country, q.Country, StringComparison.OrdinalIgnoreCase)
                                                        || l.ServiceArea?.Any(a => a == "*" || string.Equals(a, q.Country, StringComparison.OrdinalIgnoreCase)) == true))
        && (q.Focus is null || org.Focus.Contains(q.Focus))
        && (q.Language is null || org.Languages.Contains(q.Language))
        && (string.IsNullOrWhiteSpace(q.Q) || org.Name.Values.Concat(org.Description.Values).Any(t => t.Contains(q.Q.Trim(), StringComparison.OrdinalIgnoreCase)));
}
