using Atlas.Indexer.Meilisearch;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Atlas.Indexer.Search;

/// <summary>The proxy's authorisation of searches (deploy/caddy, forward_auth): answers 200 with the
/// <c>Authorization</c> header the proxy copies onto the search it forwards to this indexer's Meilisearch (a tenant
/// token that filters out the listings just withdrawn, <see cref="SearchTokenIssuer"/>). Internal: the public site
/// never routes <c>/internal/*</c> to the indexer; the token only allows what the search-only key allows, minus the
/// exclusions. 503 while no token can be issued (exclusions not loaded yet, Meilisearch unreachable): the search fails
/// rather than run without the exclusions.</summary>
public static class SearchAuthApi
{
    public const string Path = "/internal/search-auth";

    public static IEndpointRouteBuilder MapSearchAuth(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/internal").WithTags("Search")
            .MapGet("/search-auth", Authorize).WithName("SearchAuth")
            .WithSummary("For the proxy: the Authorization header for one search (a tenant token excluding withdrawn listings).")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<Results<Ok, ProblemHttpResult>> Authorize(HttpResponse response, SearchTokenIssuer issuer, CancellationToken ct)
    {
        string? header;
        try
        {
            header = await issuer.AuthorizationAsync(ct);
        }
        catch (Exception e) when (e is HttpRequestException or MeilisearchException or TimeoutException)
        {
            header = null;
        }
        if (header is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Search is not available yet",
                detail: "The indexer cannot authorise searches until it has loaded its exclusions and reached Meilisearch.");
        }
        response.Headers.Authorization = header;
        response.Headers.CacheControl = "no-store";
        return TypedResults.Ok();
    }
}
