using System.Net;
using System.Text.Json;
using Atlas.Api.Submissions;
using Atlas.Api.Tests.Infrastructure;

namespace Atlas.Api.Tests;

/// <summary>A node with the default proof of work (18 bits) and a tight rate limit: what a scripted flood meets.</summary>
public sealed class DefendedNode() : TestNode("berlin", new Dictionary<string, string>
{
    ["ProofOfWork__Bits"] = "18",
    ["RateLimiting__Submissions__PermitLimit"] = "12",
    ["RateLimiting__Submissions__WindowSeconds"] = "600",
});

/// <summary>Abuse without third parties: proof of work (server-issued, single use, bound to time), honeypot, rate
/// limit; and the receipt, whose capability token is the only way to see or withdraw a submission.</summary>
public sealed class SubmissionAbuseTests(DefendedNode node) : IClassFixture<DefendedNode>
{
    private async Task<JsonElement> Challenge() => await node.JsonAsync(HttpMethod.Get, "/api/submissions/challenge");

    private async Task<object> SolvedProof()
    {
        var c = await Challenge();
        var challenge = c.GetProperty("challenge").GetString()!;
        return new { challenge, nonce = ProofOfWork.Solve(challenge, c.GetProperty("bits").GetInt32()) };
    }

    private async Task<long> PendingCount() =>
        (await node.JsonAsync(HttpMethod.Get, "/api/admin/submissions?status=pending", node.EditorToken)).GetArrayLength();

    private static async Task<string> ProblemCode(HttpResponseMessage r) =>
        JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString()!;

    [Fact]
    public async Task A_scripted_flood_without_fresh_proofs_is_refused_and_nothing_is_stored()
    {
        var before = await PendingCount();
        var challenge = (await Challenge()).GetProperty("challenge").GetString()!;
        var parts = challenge.Split('.');

        // no proof, a proof that solves nothing, a forged easier challenge with the real MAC: all 403, nothing stored
        using (var r = await node.SendAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Samples.Org("Flood 1") }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Assert.Equal("proof_missing", await ProblemCode(r));
        }
        var unsolved = Enumerable.Range(0, 50).Select(i => i.ToString()).First(n => ProofOfWork.LeadingZeroBits(
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(challenge + ":" + n))) < 18);
        using (var r = await node.SendAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Samples.Org("Flood 2"), proof = new { challenge, nonce = unsolved } }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Assert.Equal("proof_unsolved", await ProblemCode(r));
        }
        var easier = $"1.{parts[1]}.{parts[2]}.{parts[3]}";
        using (var r = await node.SendAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Samples.Org("Flood 3"), proof = new { challenge = easier, nonce = ProofOfWork.Solve(easier, 1) } }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Assert.Equal("proof_forged", await ProblemCode(r));
        }

        // one solved challenge buys exactly one submission: replaying it is refused
        var proof = new { challenge, nonce = ProofOfWork.Solve(challenge, 18) };
        using (var first = await node.SendAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Samples.Org("Paid once"), proof }))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }
        for (var i = 0; i < 3; i++)
        {
            using var replay = await node.SendAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Samples.Org($"Replay {i}"), proof });
            Assert.Equal(HttpStatusCode.Forbidden, replay.StatusCode);
            Assert.Equal("proof_spent", await ProblemCode(replay));
        }
        Assert.Equal(before + 1, await PendingCount());
    }

    [Fact]
    public async Task A_filled_honeypot_is_refused_even_with_a_valid_proof()
    {
        var before = await PendingCount();
        using var r = await node.SendAsync(HttpMethod.Post, "/api/submissions",
            json: new { organisation = Samples.Org("Bot"), proof = await SolvedProof(), honeypot = "http://spam.example" });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("refused", await ProblemCode(r));
        Assert.Equal(before, await PendingCount());
    }

    [Fact]
    public async Task Wrong_receipt_tokens_get_one_identical_answer_and_the_right_one_shows_and_withdraws()
    {
        var accepted = await node.JsonAsync(HttpMethod.Post, "/api/submissions",
            json: new { organisation = Samples.Org("Receipt Holder"), proof = await SolvedProof(), submitter_email = "me@example.org", note = "call me" },
            expect: HttpStatusCode.Accepted);
        var token = accepted.GetProperty("receipt_token").GetString()!;
        Assert.Equal(43, token.Length);
        Assert.Equal($"{node.BaseUrl}/receipt#{token}", accepted.GetProperty("receipt_url").GetString());
        Assert.DoesNotContain(token, await File.ReadAllTextAsync(Path.Combine(node.DataDir, "atlas.db")) + node.Log);

        var flipped = (token[0] == 'A' ? 'B' : 'A') + token[1..];
        var wrong = new[] { flipped, token[..42], token + "A", "x", "%20", "a.b", new string('A', 43), token.ToUpperInvariant() == token ? token.ToLowerInvariant() : token.ToUpperInvariant(), "..%2F..%2Fetc" };
        string? reference = null;
        foreach (var t in wrong)
        {
            foreach (var (method, path) in new[] { (HttpMethod.Get, $"/api/receipts/{t}"), (HttpMethod.Post, $"/api/receipts/{t}/withdraw") })
            {
                using var r = await node.SendAsync(method, path);
                Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
                var body = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
                var shape = $"{body.GetProperty("title")}|{body.GetProperty("detail")}|{string.Join(",", body.EnumerateObject().Select(p => p.Name).Where(n => n != "traceId"))}";
                reference ??= shape;
                Assert.Equal(reference, shape);
            }
        }
        Assert.DoesNotContain("Receipt Holder", reference);

        var shown = await node.JsonAsync(HttpMethod.Get, $"/api/receipts/{token}");
        Assert.Equal("pending", shown.GetProperty("status").GetString());
        Assert.Equal("Receipt Holder", shown.GetProperty("name").GetProperty("en").GetString());
        Assert.DoesNotContain("me@example.org", shown.GetRawText());
        Assert.DoesNotContain("call me", shown.GetRawText());

        var withdrawn = await node.JsonAsync(HttpMethod.Post, $"/api/receipts/{token}/withdraw");
        Assert.Equal("withdrawn", withdrawn.GetProperty("status").GetString());
        Assert.Equal("withdrawn", (await node.JsonAsync(HttpMethod.Get, $"/api/receipts/{token}")).GetProperty("status").GetString());
        Assert.DoesNotContain("Receipt Holder", (await node.JsonAsync(HttpMethod.Get, "/api/admin/submissions?status=pending", node.EditorToken)).GetRawText());
        var kept = await node.JsonAsync(HttpMethod.Get, $"/api/admin/submissions/{accepted.GetProperty("id").GetInt64()}", node.EditorToken);
        Assert.Equal("withdrawn", kept.GetProperty("status").GetString());
        Assert.DoesNotContain("me@example.org", kept.GetRawText());
        Assert.DoesNotContain("call me", kept.GetRawText());
        using var again = await node.SendAsync(HttpMethod.Post, $"/api/receipts/{token}/withdraw");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task The_receipt_follows_the_editors_decision_with_their_reason()
    {
        var a = await node.JsonAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Samples.Org("To Approve"), proof = await SolvedProof() }, expect: HttpStatusCode.Accepted);
        var b = await node.JsonAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Samples.Org("To Reject"), proof = await SolvedProof() }, expect: HttpStatusCode.Accepted);
        await node.JsonAsync(HttpMethod.Post, $"/api/admin/submissions/{a.GetProperty("id").GetInt64()}/approve", node.EditorToken);
        await node.JsonAsync(HttpMethod.Post, $"/api/admin/submissions/{b.GetProperty("id").GetInt64()}/reject", node.EditorToken, new { reason = "Not an anti-war initiative." });

        var approved = await node.JsonAsync(HttpMethod.Get, $"/api/receipts/{a.GetProperty("receipt_token").GetString()}");
        Assert.Equal("approved", approved.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(approved.GetProperty("published_id").GetString()));
        var rejected = await node.JsonAsync(HttpMethod.Get, $"/api/receipts/{b.GetProperty("receipt_token").GetString()}");
        Assert.Equal("rejected", rejected.GetProperty("status").GetString());
        Assert.Equal("Not an anti-war initiative.", rejected.GetProperty("reason").GetString());
        using var late = await node.SendAsync(HttpMethod.Post, $"/api/receipts/{b.GetProperty("receipt_token").GetString()}/withdraw");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }

    [Fact]
    public async Task A_private_contact_never_leaves_the_node()
    {
        const string hidden = "+49 30 5557777";
        const string vetted = "vetted-signal-handle-77";
        var org = Samples.Org("Private Desk", contacts:
        [
            new { kind = "email", value = "desk@example.org", visibility = "public", press = true },
            new { kind = "phone", value = hidden, visibility = "hidden" },
            new { kind = "signal", value = vetted, visibility = "vetted" },
        ]);
        using var raw = await node.SendAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = org, proof = await SolvedProof() });
        Assert.Equal(HttpStatusCode.Accepted, raw.StatusCode);
        var sub = JsonDocument.Parse(await raw.Content.ReadAsStringAsync()).RootElement;
        var published = await node.JsonAsync(HttpMethod.Post, $"/api/admin/submissions/{sub.GetProperty("id").GetInt64()}/approve", node.EditorToken);
        var id = published.GetProperty("id").GetString()!;

        var page = await node.ChangesAsync();
        var jws = page.Entries.Single(e => e.Id == id).Jws;
        var payload = System.Text.Encoding.UTF8.GetString(Atlas.Protocol.Signing.Base64Url.Decode(jws.Split('.')[1]));
        Assert.Contains("desk@example.org", payload);
        var everythingPublic = string.Join("\n",
            payload,
            await node.GetStringAsync("/atlas/v1/changes"),
            await node.GetStringAsync($"/atlas/v1/listings/{id}"),
            await node.GetStringAsync("/.well-known/atlas-node"),
            await node.GetStringAsync("/api/organisations"),
            await node.GetStringAsync("/api/organisations?q=Private"),
            await node.GetStringAsync($"/api/receipts/{sub.GetProperty("receipt_token").GetString()}"));
        Assert.DoesNotContain(hidden, everythingPublic);
        Assert.DoesNotContain("5557777", everythingPublic);
        Assert.DoesNotContain(vetted, everythingPublic);
    }
}
