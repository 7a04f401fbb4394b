using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Atlas.Api.Federation;
using Atlas.Api.Organisations;
using Atlas.Api.Submissions;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Atlas.Api.Admin;

/// <summary>Moderation steps beyond approve/reject: correct a pending submission before approving it, and
/// record that an organisation confirmed it is still active (a new version with today's last_confirmed and a
/// review_by a year on).</summary>
public static class ReviewActions
{
    public static async Task<Results<Ok<SubmissionView>, ProblemHttpResult>> EditSubmission(long id, HttpContext http, NodeStore store, CancellationToken ct)
    {
        var (input, error) = await StrictBody.ReadAsync(http.Request, ApiJsonContext.Default.OrgInput, ct);
        if (error is not null)
        {
            return error;
        }
        if (input!.Id is not null)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["id"] = ["Listing ids are minted by the node; leave id out."] }, "Invalid request", "Nothing was changed.");
        }
        var prepared = OrgPreparation.Prepare(input, DateOnly.FromDateTime(DateTime.UtcNow));
        if (!prepared.IsValid)
        {
            return AdminApi.Invalid(prepared);
        }
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        var actor = http.User.Identity?.Name ?? "unknown";
        if (conn.Execute("UPDATE submissions SET org_json = @json WHERE id = @id AND status = 'pending'", new { json = DirectoryCommands.Serialize(prepared.Private), id }, tx) != 1)
        {
            return conn.ExecuteScalar<long>("SELECT count(*) FROM submissions WHERE id = @id", new { id }, tx) == 0
                ? AdminApi.NotFound($"No submission {id}.")
                : TypedResults.Problem(statusCode: 409, title: "Already decided", detail: $"Submission {id} is no longer pending.");
        }
        Audit.Write(conn, tx, store.Now(), actor, "submission.edit", id.ToString());
        var row = conn.QuerySingle<SubmissionRow>("SELECT * FROM submissions WHERE id = @id", new { id }, tx);
        tx.Commit();
        return TypedResults.Ok(row.View());
    }

    public static Results<Ok<PublishResult>, ProblemHttpResult> Confirm(string id, HttpContext http, NodeStore store, Publisher publisher, HeadService head) =>
        AdminApi.Publish(store, head, (conn, tx) =>
        {
            var json = conn.QuerySingleOrDefault<string?>("SELECT private_json FROM listings WHERE id = @id AND status = 'active'", new { id }, tx)
                ?? throw new ListingNotFoundException($"This node has no active listing {id}.");
            var current = System.Text.Json.JsonSerializer.Deserialize(json, ApiJsonContext.Default.OrgInput)!;
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            var prepared = OrgPreparation.Prepare(current with { LastConfirmed = today.ToString("yyyy-MM-dd"), ReviewBy = null }, today);
            if (!prepared.IsValid)
            {
                throw new PublishConflictException($"Listing {id} no longer validates; edit it instead: {string.Join("; ", prepared.Errors.Select(e => $"{e.Key}: {e.Value[0]}"))}");
            }
            var v = DirectoryCommands.Edit(conn, tx, publisher, id, prepared, http.User.Identity?.Name ?? "unknown");
            Audit.Write(conn, tx, store.Now(), http.User.Identity?.Name ?? "unknown", "listing.confirm", id, today.ToString("yyyy-MM-dd"));
            return v;
        });
}
