using Atlas.Api.Data;
using Atlas.Api.EditorConsole;
using Atlas.Api.Extensions;
using Atlas.Api.Federation;
using Atlas.Api.Organisations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.Admin;

public sealed record PublishResult(string Id, long Seq, long FeedSeq, string Hash, string Kid, string Status);

/// <summary>Moderation and operations under <c>/api/admin</c>, one group per resource (<see cref="ModerationApi"/>,
/// <see cref="AdminOrganisationsApi"/>, <see cref="TokensApi"/>, <see cref="KeysApi"/>, <see cref="AuditApi"/>).
/// Every route needs a bearer token (401 without or with a wrong one); editors moderate and publish, admins also
/// manage keys, tokens and read the audit log (403 otherwise). No CORS: browsers on other origins cannot call these.</summary>
public static class AdminApi
{
    public const string EditorPolicy = "editor";
    public const string AdminPolicy = "admin";

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        app.MapModeration();
        app.MapAdminOrganisations();
        app.MapTokens();
        app.MapKeys();
        app.MapAudit();
        app.MapGroup("/api/admin").WithTags("Editors").RequireAdmin().MapEditors("");
        return app;
    }

    /// <summary>Editors and admins; the OpenAPI document lists the bearer scheme and the 401/403 answers.</summary>
    public static RouteGroupBuilder RequireEditor(this RouteGroupBuilder group) => group.RequireAuthorization(EditorPolicy).ProducesAuthProblems();

    /// <summary>Admins only.</summary>
    public static RouteGroupBuilder RequireAdmin(this RouteGroupBuilder group) => group.RequireAuthorization(AdminPolicy).ProducesAuthProblems();

    private static RouteGroupBuilder ProducesAuthProblems(this RouteGroupBuilder group) =>
        group.ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

    internal static string Actor(HttpContext http) => http.User.Identity?.Name ?? "unknown";

    /// <summary>Runs a publishing change in one transaction, then re-signs the head (which pushes it).</summary>
    internal static Results<Ok<PublishResult>, ProblemHttpResult> Publish(NodeStore store, HeadService head, Func<SqliteConnection, SqliteTransaction, PublishedVersion> change)
    {
        PublishedVersion v;
        try
        {
            using var conn = store.Open();
            using var tx = conn.BeginTransaction();
            v = change(conn, tx);
            tx.Commit();
        }
        catch (ListingNotFoundException e)
        {
            return NotFound(e.Message);
        }
        catch (PublishConflictException e)
        {
            return TypedResults.Problem(statusCode: 409, title: "Conflict", detail: e.Message);
        }
        head.Update();
        return TypedResults.Ok(new PublishResult(v.Id, v.Seq, v.FeedSeq, v.Hash, v.Kid, v.Status));
    }

    internal static ProblemHttpResult Invalid(PreparedOrg org) =>
        Problems.Validation(new Dictionary<string, string[]>(org.Errors), "The organisation has errors", "Nothing was published. Correct the fields listed.");

    internal static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(statusCode: 404, title: "Not found", detail: detail);
}
