using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Atlas.Api.Admin;

public sealed record TokenInput(string Name, string Role);
public sealed record TokenCreated(long Id, string Name, string Role, string Token);
public sealed record TokenView(long Id, string Name, string Role, long CreatedAt, long? RevokedAt);

/// <summary>Bearer tokens of editors and admins (admins): list, create (the token is shown once), revoke.</summary>
public static class TokensApi
{
    public static IEndpointRouteBuilder MapTokens(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/tokens").WithTags("Tokens").RequireAdmin();
        group.MapGet("", ListTokens).WithName("ListTokens")
            .WithSummary("Every token ever made (names, roles, dates; never the token itself).");
        group.MapPost("", CreateToken).WithName("CreateToken")
            .WithSummary("Make an editor or admin token; the answer is the only time the token is shown.")
            .Accepts<TokenInput>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapDelete("/{id:long}", RevokeToken).WithName("RevokeToken")
            .WithSummary("Revoke a token: it stops working at once.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static Ok<List<TokenView>> ListTokens(NodeStore store)
    {
        using var conn = store.Open();
        return TypedResults.Ok(conn.Query<TokenView>("SELECT id, name, role, created_at AS CreatedAt, revoked_at AS RevokedAt FROM tokens ORDER BY id").ToList());
    }

    public static async Task<Results<Created<TokenCreated>, ProblemHttpResult>> CreateToken(HttpContext http, NodeStore store, CancellationToken ct)
    {
        var (input, error) = await StrictBody.ReadAsync(http.Request, ApiJsonContext.Default.TokenInput, ct);
        if (error is not null)
        {
            return error;
        }
        if (input!.Role is not (Tokens.Admin or Tokens.Editor) || !Tokens.IsValidName(input.Name))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["role"] = ["role is admin or editor; name is 1–100 characters of plain text."] }, "Invalid request", "Nothing was changed.");
        }
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        var (id, token) = Tokens.Create(conn, tx, input.Role, input.Name, store.Now());
        Audit.Write(conn, tx, store.Now(), AdminApi.Actor(http), "token.create", id.ToString(), $"{input.Role} '{input.Name}'");
        tx.Commit();
        return TypedResults.Created($"/api/admin/tokens/{id}", new TokenCreated(id, input.Name, input.Role, token));
    }

    public static Results<NoContent, ProblemHttpResult> RevokeToken(long id, HttpContext http, NodeStore store)
    {
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        if (conn.Execute("UPDATE tokens SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL", new { now = store.Now(), id }, tx) != 1)
        {
            return AdminApi.NotFound($"No active token {id}.");
        }
        Audit.Write(conn, tx, store.Now(), AdminApi.Actor(http), "token.revoke", id.ToString());
        tx.Commit();
        return TypedResults.NoContent();
    }
}
