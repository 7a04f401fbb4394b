using System.Text.Json;
using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Atlas.Api.Federation;
using Atlas.Api.Organisations;
using Microsoft.AspNetCore.Http.HttpResults;
using Dapper;

namespace Atlas.Api.Admin;

public sealed record AdminOrganisation(string Id, long Seq, string Status, OrgInput? Organisation, long UpdatedAt);

/// <summary>This node's listings as editors manage them: read (with private fields), create, edit, withdraw,
/// take down. Every change is one signed version and a re-signed head.</summary>
public static class AdminOrganisationsApi
{
    public static IEndpointRouteBuilder MapAdminOrganisations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/organisations").WithTags("Organisation management").RequireEditor();
        group.MapGet("", ListOrganisations).WithName("ListManagedOrganisations")
            .WithSummary("Every listing of this node (active, withdrawn, taken down) with its private fields.");
        group.MapGet("/{id}", GetOrganisation).WithName("GetManagedOrganisation")
            .WithSummary("One listing of this node with its private fields.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("", Create).WithName("CreateOrganisation")
            .WithSummary("Publish a new listing (the node mints its id).")
            .Accepts<OrgInput>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapPut("/{id}", Edit).WithName("EditOrganisation")
            .WithSummary("Publish a new version of a listing of this node.")
            .Accepts<OrgInput>("application/json")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapPost("/{id}/confirm", ReviewActions.Confirm).WithName("ConfirmOrganisation")
            .WithSummary("Record that the organisation confirmed it is still active: a new version with today's last_confirmed.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id}/withdraw", Withdraw).WithName("WithdrawOrganisation")
            .WithSummary("Withdraw a listing (the organisation asked): a signed tombstone, contacts removed.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id}/takedown", TakeDown).WithName("TakeDownOrganisation")
            .WithSummary("Take a listing down (a safety decision of the node): a signed tombstone that propagates at once.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public static Ok<List<AdminOrganisation>> ListOrganisations(NodeStore store)
    {
        using var conn = store.Open();
        return TypedResults.Ok(conn.Query<ListingRow>("SELECT id, seq, status, private_json, updated_at FROM listings ORDER BY id").Select(r => r.View()).ToList());
    }

    public static Results<Ok<AdminOrganisation>, ProblemHttpResult> GetOrganisation(string id, NodeStore store)
    {
        using var conn = store.Open();
        var row = conn.QuerySingleOrDefault<ListingRow>("SELECT id, seq, status, private_json, updated_at FROM listings WHERE id = @id", new { id });
        return row is null ? AdminApi.NotFound($"This node has no listing {id}.") : TypedResults.Ok(row.View());
    }

    public static async Task<Results<Ok<PublishResult>, ProblemHttpResult>> Create(HttpContext http, NodeStore store, Publisher publisher, HeadService head, CancellationToken ct)
    {
        var (prepared, problem) = await ReadOrg(http, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (prepared!.Private.Id is not null)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["id"] = ["Listing ids are minted by the node; leave id out."] }, "Invalid request", "Nothing was changed.");
        }
        return prepared.IsValid
            ? AdminApi.Publish(store, head, (conn, tx) => DirectoryCommands.Create(conn, tx, publisher, prepared, AdminApi.Actor(http)))
            : AdminApi.Invalid(prepared);
    }

    public static async Task<Results<Ok<PublishResult>, ProblemHttpResult>> Edit(string id, HttpContext http, NodeStore store, Publisher publisher, HeadService head, CancellationToken ct)
    {
        var (prepared, problem) = await ReadOrg(http, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (prepared!.Private.Id is not null && prepared.Private.Id != id)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["id"] = ["The body's id differs from the URL's; leave it out."] }, "Invalid request", "Nothing was changed.");
        }
        if (!prepared.IsValid)
        {
            return AdminApi.Invalid(prepared);
        }
        return AdminApi.Publish(store, head, (conn, tx) => DirectoryCommands.Edit(conn, tx, publisher, id, prepared, AdminApi.Actor(http)));
    }

    public static Results<Ok<PublishResult>, ProblemHttpResult> Withdraw(string id, HttpContext http, NodeStore store, Publisher publisher, HeadService head) =>
        Tombstone(id, takedown: false, http, store, publisher, head);

    public static Results<Ok<PublishResult>, ProblemHttpResult> TakeDown(string id, HttpContext http, NodeStore store, Publisher publisher, HeadService head) =>
        Tombstone(id, takedown: true, http, store, publisher, head);

    private static Results<Ok<PublishResult>, ProblemHttpResult> Tombstone(string id, bool takedown, HttpContext http, NodeStore store, Publisher publisher, HeadService head) =>
        AdminApi.Publish(store, head, (conn, tx) => DirectoryCommands.Withdraw(conn, tx, publisher, id, AdminApi.Actor(http), takedown));

    private static async Task<(PreparedOrg? Org, ProblemHttpResult? Problem)> ReadOrg(HttpContext http, CancellationToken ct)
    {
        var (input, error) = await StrictBody.ReadAsync(http.Request, ApiJsonContext.Default.OrgInput, ct);
        return error is not null ? (null, error) : (OrgPreparation.Prepare(input!, DateOnly.FromDateTime(DateTime.UtcNow)), null);
    }
}
