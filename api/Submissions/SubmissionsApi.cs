using System.Text.Json;
using System.Text.RegularExpressions;
using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Atlas.Api.Organisations;
using Atlas.Protocol;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Atlas.Api.Submissions;

/// <summary>An initiative proposes itself, or an edit of one of this node's listings (<c>listing_id</c>).
/// The submitter email stays on the node: it is never published, logged or exported.
/// <c>proof</c> is the solved proof-of-work challenge (<see cref="ProofOfWork"/>); <c>honeypot</c> is a form field no person
/// sees or fills: anything in it refuses the submission.</summary>
public sealed record SubmissionInput(OrgInput Organisation, string? ListingId = null, string? SubmitterEmail = null, string? Note = null,
    PowSolution? Proof = null, string? Honeypot = null);

/// <summary><c>receipt_token</c> is shown to the submitter once (the node keeps only its hash); <c>receipt_url</c> is the
/// status page it opens.</summary>
public sealed record SubmissionAccepted(long Id, string Status, string? ReceiptToken = null, string? ReceiptUrl = null);

public sealed record SubmissionView(long Id, string? ListingId, OrgInput Organisation, string? SubmitterEmail, string? Note, string Status,
    long CreatedAt, string? DecidedBy, long? DecidedAt, string? Reason, string? PublishedId);

public static partial class SubmissionsApi
{
    public const string RateLimitPolicy = "submissions";

    public static IEndpointRouteBuilder MapSubmissions(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/submissions", Submit)
            .WithTags("Submissions")
            .WithName("Submit")
            .WithSummary("Propose an organisation (or an edit of one of this node's listings) for moderation; proof of work required.")
            .RequireRateLimiting(RateLimitPolicy)
            .Accepts<SubmissionInput>("application/json")
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(429);
        app.MapGet("/api/submissions/challenge", Challenge)
            .WithTags("Submissions")
            .WithName("SubmissionChallenge").WithSummary("A fresh proof-of-work challenge for one submission");
        app.MapReceipts();
        return app;
    }

    public static Ok<PowChallenge> Challenge(HttpContext http, ProofOfWork pow, IOptions<ProofOfWorkOptions> options, TimeProvider time)
    {
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(pow.Issue(options.Value.Bits, time.GetUtcNow().ToUnixTimeSeconds(), options.Value.LifetimeSeconds));
    }

    public static async Task<Results<Accepted<SubmissionAccepted>, ProblemHttpResult>> Submit(HttpRequest request, NodeStore store, ProofOfWork pow,
        IOptions<ProofOfWorkOptions> powOptions, CancellationToken ct)
    {
        var (input, error) = await StrictBody.ReadAsync(request, ApiJsonContext.Default.SubmissionInput, ct);
        if (error is not null)
        {
            return error;
        }
        if (!string.IsNullOrEmpty(input!.Honeypot))
        {
            NodeTelemetry.SubmissionsRefused.Add(1);
            return TypedResults.Problem(statusCode: 400, title: "Submission refused", detail: "This submission was refused. If you are a person, reload the page and send it again.",
                extensions: new Dictionary<string, object?> { ["code"] = "refused" });
        }
        using var conn = store.Open();
        var errors = Validate(input, conn, store.Today(), out var prepared);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors, "The submission has errors", "Nothing was stored. Correct the fields listed and send it again.");
        }
        var now = store.Now();
        var verdict = CheckProof(conn, pow, powOptions.Value, input.Proof, now);
        if (verdict != PowVerdict.Valid)
        {
            NodeTelemetry.SubmissionsRefused.Add(1);
            return ProofProblem(verdict);
        }
        var token = Receipts.NewToken();
        using var tx = conn.BeginTransaction();
        var id = conn.ExecuteScalar<long>("""
            INSERT INTO submissions (listing_id, org_json, submitter_email, note, created_at)
            VALUES (@ListingId, @json, @SubmitterEmail, @Note, @now) RETURNING id
            """, new { input.ListingId, json = JsonSerializer.Serialize(prepared!.Private, ApiJsonContext.Default.OrgInput), input.SubmitterEmail, input.Note, now }, tx);
        Receipts.Store(conn, tx, id, token, now);
        var baseUrl = NodeIdentity.Load(conn, tx).BaseUrl;
        tx.Commit();
        NodeTelemetry.SubmissionsReceived.Add(1);
        return TypedResults.Accepted((string?)null, new SubmissionAccepted(id, "pending", token, Receipts.Url(baseUrl, token)));
    }

    private static PowVerdict CheckProof(Microsoft.Data.Sqlite.SqliteConnection conn, ProofOfWork pow, ProofOfWorkOptions options, PowSolution? proof, long now)
    {
        if (options.Bits == 0)
        {
            return PowVerdict.Valid;
        }
        var verdict = pow.Check(proof, options.Bits, now, options.LifetimeSeconds, out var spentId, out var spentUntil);
        return verdict == PowVerdict.Valid && !Spend(conn, spentId, spentUntil, now) ? PowVerdict.Spent : verdict;
    }

    /// <summary>Records a challenge as used; false when it was used before. Forgets expired ones on the way.</summary>
    private static bool Spend(Microsoft.Data.Sqlite.SqliteConnection conn, string id, long expiresAt, long now)
    {
        conn.Execute("DELETE FROM pow_spent WHERE expires_at < @now", new { now });
        return conn.Execute("INSERT INTO pow_spent (id, expires_at) VALUES (@id, @expiresAt) ON CONFLICT (id) DO NOTHING", new { id, expiresAt }) == 1;
    }

    /// <summary>403 with a machine-readable <c>code</c>: the page fetches a new challenge and solves it again.</summary>
    private static ProblemHttpResult ProofProblem(PowVerdict verdict) => TypedResults.Problem(statusCode: 403, title: "Proof of work needed",
        detail: verdict switch
        {
            PowVerdict.Missing => "Send a solved challenge from GET /api/submissions/challenge as proof: {\"challenge\", \"nonce\"}.",
            PowVerdict.Expired => "The challenge has expired; fetch a new one.",
            PowVerdict.Spent => "This challenge was used already; each submission needs a new one.",
            _ => "The proof does not solve a challenge of this node; fetch a new one.",
        },
        extensions: new Dictionary<string, object?> { ["code"] = "proof_" + verdict.ToString().ToLowerInvariant() });

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
