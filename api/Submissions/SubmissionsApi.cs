using System.Text.Json;
using System.Text.RegularExpressions;
using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Atlas.Api.Organisations;
using Atlas.Protocol;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Atlas.Api.Submissions;

/// <summary>An initiative proposes itself, or an edit of one of this node's listings (<c>listing_id</c>).
/// The submitter email stays on the node: it is never published, logged or exported.</summary>
public sealed record SubmissionInput(OrgInput Organisation, string? ListingId = null, string? SubmitterEmail = null, string? Note = null);

public sealed record SubmissionAccepted(long Id, string Status);

public sealed record SubmissionView(long Id, string? ListingId, OrgInput Organisation, string? SubmitterEmail, string? Note, string Status,
    long CreatedAt, string? DecidedBy, long? DecidedAt, string? Reason, string? PublishedId);

public static partial class SubmissionsApi
{
    public const string RateLimitPolicy = "submissions";

    public static IEndpointRouteBuilder MapSubmissions(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/submissions", Submit)
            .WithTags("Submissions")
            .RequireRateLimiting(RateLimitPolicy)
            .Accepts<SubmissionInput>("application/json")
            .ProducesProblem(400).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(429);
        return app;
    }

    public static async Task<Results<Accepted<SubmissionAccepted>, ProblemHttpResult>> Submit(HttpRequest request, NodeStore store, CancellationToken ct)
    {
        var (input, error) = await StrictBody.ReadAsync(request, ApiJsonContext.Default.SubmissionInput, ct);
        if (error is not null)
        {
            return error;
        }
        using var conn = store.Open();
        var errors = Validate(input!, conn, store.Today(), out var prepared);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors, "The submission has errors", "Nothing was stored. Correct the fields listed and send it again.");
        }
        using var tx = conn.BeginTransaction();
        var id = conn.ExecuteScalar<long>("""
            INSERT INTO submissions (listing_id, org_json, submitter_email, note, created_at)
            VALUES (@ListingId, @json, @SubmitterEmail, @Note, @now) RETURNING id
            """, new { input!.ListingId, json = JsonSerializer.Serialize(prepared!.Private, ApiJsonContext.Default.OrgInput), input.SubmitterEmail, input.Note, now = store.Now() }, tx);
        tx.Commit();
        NodeTelemetry.SubmissionsReceived.Add(1);
        return TypedResults.Accepted((string?)null, new SubmissionAccepted(id, "pending"));
    }

    public static Dictionary<string, string[]> Validate(SubmissionInput input, Microsoft.Data.Sqlite.SqliteConnection conn, DateOnly today, out PreparedOrg? prepared)
    {
        prepared = OrgPreparation.Prepare(input.Organisation, today);
        // Organisation fields are reported under organisation.<field>, as they appear in the request.
        var errors = prepared.Errors.ToDictionary(e => "organisation." + e.Key, e => e.Value);
        if (input.Organisation.Id is not null)
        {
            errors["organisation.id"] = ["Listing ids are minted by the node. To propose an edit of a listing, send its id as listing_id."];
        }
        if (input.ListingId is { } lid)
        {
            var status = Identifiers.IsListingId(lid) ? conn.QuerySingleOrDefault<string>("SELECT status FROM listings WHERE id = @lid", new { lid }) : null;
            if (status is null)
            {
                errors["listing_id"] = [$"This node has no listing {Truncate(lid)}; leave listing_id out to propose a new organisation."];
            }
            else if (status == "tombstone")
            {
                errors["listing_id"] = ["That listing was withdrawn and cannot be edited; propose the organisation as a new listing."];
            }
        }
        if (input.SubmitterEmail is { } email && (email.Length > 254 || !EmailRegex().IsMatch(email)))
        {
            errors["submitter_email"] = ["Give an email address editors can reach you at, or leave it out."];
        }
        if (input.Note is { } note && (note.Length > 2000 || note.Contains('<') || note.Any(c => char.IsControl(c) && c != '\n')))
        {
            errors["note"] = ["A note is up to 2000 characters of plain text (no markup)."];
        }
        return errors;
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";

    [GeneratedRegex(@"^[^@\s<>]{1,64}@[^@\s<>]{1,190}\.[a-zA-Z]{2,24}$")]
    private static partial Regex EmailRegex();
}
