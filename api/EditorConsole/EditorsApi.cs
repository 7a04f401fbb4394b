using Atlas.Api.Admin;
using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Atlas.Api.Federation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Atlas.Api.EditorConsole;

public sealed record InviteInput(string Name, string Role);

/// <summary>Admins manage the console's people: list them with their passkeys, invite (a one-time enrolment
/// link), revoke. Mapped both under the admin API (bearer token) and the console (session).</summary>
public static class EditorsApi
{
    public static RouteGroupBuilder MapEditors(this RouteGroupBuilder admin)
    {
        admin.MapGet("/editors", List).WithSummary("Lists editors and admins with their passkeys");
        admin.MapPost("/editors", Invite).WithSummary("Invites a person: returns a one-time enrolment link");
        admin.MapDelete("/editors/{id:long}", Revoke).WithSummary("Revokes a person: sessions end, passkeys stop working");
        return admin;
    }

    public static Ok<List<EditorView>> List(NodeStore store, TimeProvider time)
    {
        using var conn = store.Open();
        return TypedResults.Ok(ConsoleUsers.List(conn, time.GetUtcNow().ToUnixTimeSeconds()));
    }

    public static async Task<Results<Created<EnrolmentLink>, ProblemHttpResult>> Invite(HttpContext http, NodeStore store, ConsoleSite site, IOptions<ConsoleOptions> options,
        TimeProvider time, CancellationToken ct)
    {
        var (input, error) = await StrictBody.ReadAsync(http.Request, ApiJsonContext.Default.InviteInput, ct);
        if (error is not null)
        {
            return error;
        }
        if (input!.Role is not (Tokens.Admin or Tokens.Editor) || !Tokens.IsValidName(input.Name))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["name"] = ["role is admin or editor; name is 1–100 characters of plain text."] }, "Invalid request", "Nothing was changed.");
        }
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        try
        {
            var link = ConsoleUsers.Invite(conn, tx, site, input.Name.Trim(), input.Role, http.User.Identity?.Name ?? "unknown", time.GetUtcNow().ToUnixTimeSeconds(),
                TimeSpan.FromHours(options.Value.EnrolmentHours));
            tx.Commit();
            return TypedResults.Created($"/api/admin/editors/{link.UserId}", link);
        }
        catch (PublishConflictException e)
        {
            return TypedResults.Problem(statusCode: 409, title: "Conflict", detail: e.Message);
        }
    }

    public static Results<NoContent, ProblemHttpResult> Revoke(long id, HttpContext http, NodeStore store, TimeProvider time)
    {
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        if (!ConsoleUsers.Revoke(conn, tx, id, http.User.Identity?.Name ?? "unknown", time.GetUtcNow().ToUnixTimeSeconds()))
        {
            return TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"No active editor {id}.");
        }
        tx.Commit();
        return TypedResults.NoContent();
    }
}
