using System.Security.Cryptography;
using System.Text;
using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Atlas.Api.Organisations;
using Atlas.Protocol.Signing;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Atlas.Api.Submissions;

/// <summary>What the holder of a receipt token sees: never the email or note, only the state of the submission.</summary>
public sealed record ReceiptView(string Status, long CreatedAt, long? DecidedAt, string? Reason, string? ListingId, string? PublishedId,
    IReadOnlyDictionary<string, string>? Name);

/// <summary>
/// Capability tokens for submission receipts: 32 random bytes (base64url, 43 characters) handed to the submitter once,
/// stored as SHA-256 only. A wrong token — unknown, malformed, too long — gets one and the same 404.
/// </summary>
public static class Receipts
{
    public const int TokenLength = 43;

    public static string NewToken() => Base64Url.Encode(RandomNumberGenerator.GetBytes(32));

    /// <summary>Hex SHA-256 of a well-formed token, or null (the caller answers exactly as for an unknown one).</summary>
    public static string? Hash(string? token)
    {
        if (token is null || token.Length != TokenLength || !token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return null;
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));
    }

    public static string Url(string baseUrl, string token) => $"{baseUrl.TrimEnd('/')}{Pages.NodePages.ReceiptPath}#{token}";

    public static void Store(Microsoft.Data.Sqlite.SqliteConnection conn, Microsoft.Data.Sqlite.SqliteTransaction tx, long submissionId, string token, long now) =>
        conn.Execute("INSERT INTO submission_receipts (hash, submission_id, created_at) VALUES (@hash, @submissionId, @now)",
            new { hash = Hash(token), submissionId, now }, tx);

    /// <summary>Finds the receipt by the token's hash and compares the stored hash in constant time.</summary>
    private static ReceiptRow? Find(Microsoft.Data.Sqlite.SqliteConnection conn, string? token, Microsoft.Data.Sqlite.SqliteTransaction? tx = null)
    {
        var hash = Hash(token) ?? new string('0', 64); // same work for malformed tokens; matches no row
        var row = conn.QuerySingleOrDefault<ReceiptRow>("""
            SELECT r.hash AS Hash, r.submission_id AS SubmissionId, r.created_at AS CreatedAt,
                   s.status AS Status, s.decided_at AS DecidedAt, s.reason AS Reason, s.listing_id AS ListingId, s.published_id AS PublishedId, s.org_json AS OrgJson
            FROM submission_receipts r JOIN submissions s ON s.id = r.submission_id WHERE r.hash = @hash
            """, new { hash }, tx);
        return row is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(row.Hash), Encoding.ASCII.GetBytes(hash)) ? row : null;
    }

    public static IEndpointRouteBuilder MapReceipts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/receipts").WithTags("Submissions");
        group.MapGet("/{token}", Show).WithName("GetReceipt").WithSummary("State of a submission, for the holder of its receipt token")
            .ProducesProblem(404);
        group.MapPost("/{token}/withdraw", Withdraw).WithName("WithdrawSubmission").WithSummary("Withdraw a pending submission (its email and note are deleted)")
            .ProducesProblem(404).ProducesProblem(409);
        return app;
    }

    public static Results<Ok<ReceiptView>, ProblemHttpResult> Show(string token, HttpContext http, NodeStore store)
    {
        http.Response.Headers.CacheControl = "no-store";
        using var conn = store.Open();
        return Find(conn, token) is { } row ? TypedResults.Ok(row.View()) : Unknown();
    }

    public static Results<Ok<ReceiptView>, ProblemHttpResult> Withdraw(string token, HttpContext http, NodeStore store)
    {
        http.Response.Headers.CacheControl = "no-store";
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        if (Find(conn, token, tx) is not { } row)
        {
            return Unknown();
        }
        // The email and the note go at once: a withdrawn submission keeps only what it proposed, for the audit trail.
        if (conn.Execute("""
                UPDATE submissions SET status = 'withdrawn', decided_by = 'submitter', decided_at = @now, submitter_email = NULL, note = NULL
                WHERE id = @id AND status = 'pending'
                """, new { id = row.SubmissionId, now = store.Now() }, tx) == 0)
        {
            return TypedResults.Problem(statusCode: 409, title: "Already decided",
                detail: $"Only a pending submission can be withdrawn; this one is {row.Status}.",
                extensions: new Dictionary<string, object?> { ["code"] = "not_pending" });
        }
        Audit.Write(conn, tx, store.Now(), "submitter", "submission.withdraw", row.SubmissionId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        tx.Commit();
        return TypedResults.Ok(Find(conn, token)!.View());
    }

    private static ProblemHttpResult Unknown() => TypedResults.Problem(statusCode: 404, title: "Not found",
        detail: "No submission has this receipt. Check that the whole link was copied.");

    private sealed record ReceiptRow(string Hash, long SubmissionId, long CreatedAt, string Status, long? DecidedAt,
        string? Reason, string? ListingId, string? PublishedId, string OrgJson)
    {
        public ReceiptView View() => new(
            Status,
            CreatedAt,
            DecidedAt,
            Status == "rejected" ? Reason : null,
            ListingId,
            PublishedId,
            System.Text.Json.JsonSerializer.Deserialize(OrgJson, ApiJsonContext.Default.OrgInput)?.Name);
    }
}
