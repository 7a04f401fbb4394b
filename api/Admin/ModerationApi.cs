using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Atlas.Api.Federation;
using Atlas.Api.Organisations;
using Atlas.Api.Submissions;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Atlas.Api.Admin;

public sealed record DecisionInput(string? Reason = null);

/// <summary>The moderation queue (editors): read submissions, approve one (publishes it) or reject it.</summary>
public static class ModerationApi
{
    public static IEndpointRouteBuilder MapModeration(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/submissions").WithTags("Moderation").RequireEditor();
        group.MapGet("", ListSubmissions).WithName("ListSubmissions")
            .WithSummary("Submissions, oldest first, optionally only those with one status (pending, approved, rejected).");
        group.MapGet("/{id:long}", GetSubmission).WithName("GetSubmission")
            .WithSummary("One submission with its organisation and the submitter's private contact.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{id:long}", ReviewActions.EditSubmission).WithName("EditSubmission")
            .WithSummary("Correct a pending submission before approving it (the same validation as a new one).")
            .Accepts<OrgInput>("application/json")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapPost("/{id:long}/approve", Approve).WithName("ApproveSubmission")
            .WithSummary("Approve a pending submission: it is re-validated and published as a signed listing version.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id:long}/reject", Reject).WithName("RejectSubmission")
            .WithSummary("Reject a pending submission, with an optional reason of up to 500 characters.")
            .Accepts<DecisionInput>(false, "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return app;
    }

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
        return row is null ? AdminApi.NotFound($"No submission {id}.") : TypedResults.Ok(row.View());
    }

    public static Results<Ok<PublishResult>, ProblemHttpResult> Approve(long id, HttpContext http, NodeStore store, Publisher publisher, HeadService head)
    {
        var result = AdminApi.Publish(store, head, (conn, tx) =>
        {
            var row = conn.QuerySingleOrDefault<SubmissionRow>("SELECT * FROM submissions WHERE id = @id", new { id }, tx)
                ?? throw new ListingNotFoundException($"No submission {id}.");
            if (row.Status != "pending")
            {
                throw new PublishConflictException($"Submission {id} was already {row.Status}.");
            }
            // Re-check against today's rules and data: the listing may have been withdrawn meanwhile.
            var prepared = OrgPreparation.Prepare(row.View().Organisation, DateOnly.FromDateTime(DateTime.UtcNow));
            if (!prepared.IsValid)
            {
                throw new PublishConflictException($"Submission {id} no longer validates: {string.Join("; ", prepared.Errors.Select(e => $"{e.Key}: {e.Value[0]}"))}");
            }
            var actor = AdminApi.Actor(http);
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
            new { actor = AdminApi.Actor(http), now = store.Now(), reason, id }, tx);
        if (changed != 1)
        {
            return conn.ExecuteScalar<long>("SELECT count(*) FROM submissions WHERE id = @id", new { id }, tx) == 0
                ? AdminApi.NotFound($"No submission {id}.")
                : TypedResults.Problem(statusCode: 409, title: "Already decided", detail: $"Submission {id} is no longer pending.");
        }
        Audit.Write(conn, tx, store.Now(), AdminApi.Actor(http), "submission.reject", id.ToString());
        var row = conn.QuerySingle<SubmissionRow>("SELECT * FROM submissions WHERE id = @id", new { id }, tx);
        tx.Commit();
        NodeTelemetry.SubmissionsRejected.Add(1);
        return TypedResults.Ok(row.View());
    }
}
