using System.Security.Claims;
using System.Text.Json;
using Atlas.Api.EditorConsole;
using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Atlas.Api.Federation;
using Atlas.Api.Organisations;
using Atlas.Api.Signing;
using Atlas.Api.Submissions;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.Admin;

public sealed record PublishResult(string Id, long Seq, long FeedSeq, string Hash, string Kid, string Status);
public sealed record DecisionInput(string? Reason = null);
public sealed record AdminOrganisation(string Id, long Seq, string Status, OrgInput? Organisation, long UpdatedAt);
public sealed record TokenInput(string Name, string Role);
public sealed record TokenCreated(long Id, string Name, string Role, string Token);
public sealed record TokenView(long Id, string Name, string Role, long CreatedAt, long? RevokedAt);
public sealed record AuditEntry(long Id, long At, string Actor, string Action, string? Target, string? Detail);
public sealed record KeyRotation(string Kid, long KeysetVersion);

/// <summary>Moderation and operations. Every route needs a bearer token (401 without or with a wrong one);
/// editors moderate and publish, admins also manage keys, tokens and read the audit log (403 otherwise).
/// No CORS: browsers on other origins cannot call these.</summary>
public static class AdminApi
{
    public const string EditorPolicy = "editor";
    public const string AdminPolicy = "admin";

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var editor = app.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization(EditorPolicy);
        editor.MapGet("/submissions", ListSubmissions);
        editor.MapGet("/submissions/{id:long}", GetSubmission);
        editor.MapPost("/submissions/{id:long}/approve", Approve);
        editor.MapPost("/submissions/{id:long}/reject", Reject);
        editor.MapPut("/submissions/{id:long}", ReviewActions.EditSubmission);
        editor.MapGet("/organisations", ListOrganisations);
        editor.MapGet("/organisations/{id}", GetOrganisation);
        editor.MapPost("/organisations", Create);
        editor.MapPut("/organisations/{id}", Edit);
        editor.MapPost("/organisations/{id}/withdraw", (string id, HttpContext http, NodeStore store, Publisher publisher, HeadService head) => Withdraw(id, false, http, store, publisher, head));
        editor.MapPost("/organisations/{id}/confirm", ReviewActions.Confirm);
        editor.MapPost("/organisations/{id}/takedown", (string id, HttpContext http, NodeStore store, Publisher publisher, HeadService head) => Withdraw(id, true, http, store, publisher, head));

        var admin = app.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization(AdminPolicy);
        admin.MapPost("/keys/rotate", RotateKeys);
        admin.MapGet("/tokens", ListTokens);
        admin.MapPost("/tokens", CreateToken);
        admin.MapDelete("/tokens/{id:long}", RevokeToken);
        admin.MapGet("/audit", ReadAudit);
        admin.MapGet("/keys", KeyStatus.Get);
        admin.MapEditors();
        return app;
    }

    private static string Actor(HttpContext http) => http.User.Identity?.Name ?? "unknown";

    public static Ok<List<SubmissionView>> ListSubmissions(NodeStore store, string? status)
    {
        using var conn = store.Open();
        var rows = conn.Query<SubmissionRow>("SELECT * FROM submissions WHERE @status IS NULL OR status = @status ORDER BY id", new { status });
        return TypedResults.Ok(rows.Select(r => r.View()).ToList());
    }

    public static Results<Ok<SubmissionView>, ProblemHttpResult> GetSubmission(long id, NodeStore store)
    {
        using var conn = store.Open();
        var row = conn.QuerySingleOrDefault<SubmissionRow>("SELECT * FROM submissions WHERE id = @id", new { id });
        return row is null ? NotFound($"No submission {id}.") : TypedResults.Ok(row.View());
    }

    public static Results<Ok<PublishResult>, ProblemHttpResult> Approve(long id, HttpContext http, NodeStore store, Publisher publisher, HeadService head)
    {
        var result = Publish(store, head, (conn, tx) =>
        {
            var row = conn.QuerySingleOrDefault<SubmissionRow>("SELECT * FROM submissions WHERE id = @id", new { id }, tx)
                ?? throw new ListingNotFoundException($"No submission {id}.");
            if (row.Status != "pending")
            {
                throw new PublishConflictException($"Submission {id} was already {row.Status}.");
            }
            // Re-check against today's rules and data: the listing may have been withdrawn meanwhile.
            var prepared = OrgPreparation.Prepare(row.View().Organisation, store.Today());
            if (!prepared.IsValid)
            {
                throw new PublishConflictException($"Submission {id} no longer validates: {string.Join("; ", prepared.Errors.Select(e => $"{e.Key}: {e.Value[0]}"))}");
            }
            var actor = Actor(http);
            var v = row.Listing_Id is { } lid
                ? DirectoryCommands.Edit(conn, tx, publisher, lid, prepared, actor)
                : DirectoryCommands.Create(conn, tx, publisher, prepared, actor);
            conn.Execute("UPDATE submissions SET status = 'approved', decided_by = @actor, decided_at = @now, published_id = @pid WHERE id = @id",
                new { actor, now = store.Now(), pid = v.Id, id }, tx);
            Audit.Write(conn, tx, store.Now(), actor, "submission.approve", id.ToString(), v.Id);
            return v;
        });
        if (result.Result is Ok<PublishResult>)
        {
            NodeTelemetry.SubmissionsApproved.Add(1);
        }
        return result;
    }

    public static async Task<Results<Ok<SubmissionView>, ProblemHttpResult>> Reject(long id, HttpContext http, NodeStore store, CancellationToken ct)
    {
        string? reason = null;
        if (http.Request.ContentLength is > 0)
        {
            var (input, error) = await StrictBody.ReadAsync(http.Request, ApiJsonContext.Default.DecisionInput, ct);
            if (error is not null)
            {
                return error;
            }
            reason = input!.Reason is { Length: > 500 } r ? r[..500] : input.Reason;
        }
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        var changed = conn.Execute("UPDATE submissions SET status = 'rejected', decided_by = @actor, decided_at = @now, reason = @reason WHERE id = @id AND status = 'pending'",
            new { actor = Actor(http), now = store.Now(), reason, id }, tx);
        if (changed != 1)
        {
            return conn.ExecuteScalar<long>("SELECT count(*) FROM submissions WHERE id = @id", new { id }, tx) == 0
                ? NotFound($"No submission {id}.")
                : TypedResults.Problem(statusCode: 409, title: "Already decided", detail: $"Submission {id} is no longer pending.");
        }
        Audit.Write(conn, tx, store.Now(), Actor(http), "submission.reject", id.ToString());
        var row = conn.QuerySingle<SubmissionRow>("SELECT * FROM submissions WHERE id = @id", new { id }, tx);
        tx.Commit();
        NodeTelemetry.SubmissionsRejected.Add(1);
        return TypedResults.Ok(row.View());
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
        return row is null ? NotFound($"This node has no listing {id}.") : TypedResults.Ok(row.View());
    }

    public static async Task<Results<Ok<PublishResult>, ProblemHttpResult>> Create(HttpContext http, NodeStore store, Publisher publisher, HeadService head, CancellationToken ct)
    {
        var (prepared, problem) = await ReadOrg(http, store, ct);
        if (problem is not null)
        {
            return problem;
        }
        if (prepared!.Private.Id is not null)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["id"] = ["Listing ids are minted by the node; leave id out."] }, "Invalid request", "Nothing was changed.");
        }
        return prepared.IsValid
            ? Publish(store, head, (conn, tx) => DirectoryCommands.Create(conn, tx, publisher, prepared, Actor(http)))
            : Invalid(prepared);
    }

    public static async Task<Results<Ok<PublishResult>, ProblemHttpResult>> Edit(string id, HttpContext http, NodeStore store, Publisher publisher, HeadService head, CancellationToken ct)
    {
        var (prepared, problem) = await ReadOrg(http, store, ct);
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
            return Invalid(prepared);
        }
        return Publish(store, head, (conn, tx) => DirectoryCommands.Edit(conn, tx, publisher, id, prepared, Actor(http)));
    }

    public static Results<Ok<PublishResult>, ProblemHttpResult> Withdraw(string id, bool takedown, HttpContext http, NodeStore store, Publisher publisher, HeadService head) =>
        Publish(store, head, (conn, tx) => DirectoryCommands.Withdraw(conn, tx, publisher, id, Actor(http), takedown));

    public static Ok<KeyRotation> RotateKeys(HttpContext http, NodeStore store, KeyStore keys, HeadService head)
    {
        KeyRotation rotation;
        using (var conn = store.Open())
        using (var tx = conn.BeginTransaction())
        {
            var node = NodeIdentity.Load(conn, tx);
            var kid = keys.Rotate(conn, tx, node.NodeId);
            var version = KeyStore.LatestKeyset(conn, tx).Version;
            Audit.Write(conn, tx, store.Now(), Actor(http), "keys.rotate", kid, $"keyset {version}");
            tx.Commit();
            rotation = new KeyRotation(kid, version);
        }
        head.Update();
        return TypedResults.Ok(rotation);
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
        Audit.Write(conn, tx, store.Now(), Actor(http), "token.create", id.ToString(), $"{input.Role} '{input.Name}'");
        tx.Commit();
        return TypedResults.Created($"/api/admin/tokens/{id}", new TokenCreated(id, input.Name, input.Role, token));
    }

    public static Results<NoContent, ProblemHttpResult> RevokeToken(long id, HttpContext http, NodeStore store)
    {
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        if (conn.Execute("UPDATE tokens SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL", new { now = store.Now(), id }, tx) != 1)
        {
            return NotFound($"No active token {id}.");
        }
        Audit.Write(conn, tx, store.Now(), Actor(http), "token.revoke", id.ToString());
        tx.Commit();
        return TypedResults.NoContent();
    }

    public static Ok<List<AuditEntry>> ReadAudit(NodeStore store, long? before, int? limit)
    {
        using var conn = store.Open();
        var take = Math.Clamp(limit ?? 100, 1, 1000);
        return TypedResults.Ok(conn.Query<AuditEntry>("SELECT id, at, actor, action, target, detail FROM audit WHERE @before IS NULL OR id < @before ORDER BY id DESC LIMIT @take",
            new { before, take }).ToList());
    }

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

    private static async Task<(PreparedOrg? Org, ProblemHttpResult? Problem)> ReadOrg(HttpContext http, NodeStore store, CancellationToken ct)
    {
        var (input, error) = await StrictBody.ReadAsync(http.Request, ApiJsonContext.Default.OrgInput, ct);
        return error is not null ? (null, error) : (OrgPreparation.Prepare(input!, store.Today()), null);
    }

    internal static ProblemHttpResult Invalid(PreparedOrg org) =>
        Problems.Validation(new Dictionary<string, string[]>(org.Errors), "The organisation has errors", "Nothing was published. Correct the fields listed.");

    internal static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(statusCode: 404, title: "Not found", detail: detail);

    internal sealed record SubmissionRow(long Id, string? Listing_Id, string Org_Json, string? Submitter_Email, string? Note, string Status,
        long Created_At, string? Decided_By, long? Decided_At, string? Reason, string? Published_Id)
    {
        public SubmissionView View() => new(Id, Listing_Id, JsonSerializer.Deserialize(Org_Json, ApiJsonContext.Default.OrgInput)!, Submitter_Email, Note, Status,
            Created_At, Decided_By, Decided_At, Reason, Published_Id);
    }

    private sealed record ListingRow(string Id, long Seq, string Status, string? Private_Json, long Updated_At)
    {
        public AdminOrganisation View() => new(Id, Seq, Status, Private_Json is null ? null : JsonSerializer.Deserialize(Private_Json, ApiJsonContext.Default.OrgInput), Updated_At);
    }
}
