using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Atlas.Api.Tests.Infrastructure;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.Tests;

/// <summary>The editors' console against a real node: passkey enrolment and sign-in (a software authenticator
/// answering the node's own WebAuthn options), sessions, CSRF and Origin checks, roles, and moderation through
/// the admin API's code.</summary>
public sealed class ConsoleTests(TestNode node) : IClassFixture<TestNode>
{
    private const string Evil = "http://evil.example";

    [Fact]
    public async Task Every_console_route_refuses_no_session_ended_and_idle_sessions_and_editors_on_admin_routes()
    {
        var listing = await NodeProcess.RunCliAsync("routes");
        Assert.Equal(0, listing.ExitCode);
        var routes = listing.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim().Split(' '))
            .Select(p => (Method: p[0], Pattern: p[1], Policy: p[2]))
            .Where(r => r.Pattern.StartsWith("/api/console", StringComparison.Ordinal))
            .ToList();
        var signIn = routes.Where(r => r.Pattern.StartsWith("/api/console/auth/", StringComparison.Ordinal)).ToList();
        var guarded = routes.Except(signIn).ToList();
        Assert.Equal(4, signIn.Count);
        Assert.All(signIn, r => Assert.Equal("POST", r.Method));
        Assert.True(guarded.Count >= 18, $"only {guarded.Count} console routes: {listing.StandardOutput}");
        Assert.All(guarded, r => Assert.Contains(r.Policy, new[] { "console-editor", "console-admin" }));

        var (editor, _) = await EnrolAsync("editor", "route editor");
        var (ended, _) = await EnrolAsync("editor", "signed out editor");
        Assert.Equal(HttpStatusCode.NoContent, (await ended.SendAsync(HttpMethod.Post, "/api/console/signout")).StatusCode);
        var (idle, _) = await EnrolAsync("editor", "idle editor");
        Db(c => c.Execute("UPDATE console_sessions SET last_seen_at = last_seen_at - 31 * 60 WHERE user_id = (SELECT id FROM console_users WHERE name = 'idle editor')"));

        foreach (var (method, pattern, policy) in guarded)
        {
            var path = pattern.Replace("{id:long}", "1").Replace("{id}", "0b7a2b52-9f0c-4f43-9d0a-3f7c1c2c9a11");
            var m = new HttpMethod(method);
            var body = method is "GET" or "DELETE" ? null : new JsonObject();
            await Expect(HttpStatusCode.Unauthorized, await editor.SendAsync(m, path, body, session: null), $"{method} {path} without a session");
            await Expect(HttpStatusCode.Unauthorized, await editor.SendAsync(m, path, body, session: "forged-session-id"), $"{method} {path} with an unknown session");
            await Expect(HttpStatusCode.Unauthorized, await ended.SendAsync(m, path, body), $"{method} {path} after sign-out");
            await Expect(HttpStatusCode.Unauthorized, await idle.SendAsync(m, path, body), $"{method} {path} with an idle session");
            await Expect(HttpStatusCode.Unauthorized, await editor.SendAsync(m, path, body, session: null, bearer: node.AdminToken), $"{method} {path} with a bearer token instead of a session");
            if (policy == "console-admin")
            {
                using var r = await editor.SendAsync(m, path, body);
                var text = await r.Content.ReadAsStringAsync();
                Assert.True(r.StatusCode == HttpStatusCode.Forbidden && text.Contains("Not allowed", StringComparison.Ordinal), $"{method} {path} as an editor: {(int)r.StatusCode} {text}");
            }
        }
    }

    [Fact]
    public async Task Cross_origin_posts_and_requests_without_the_csrf_token_change_nothing()
    {
        var (editor, _) = await EnrolAsync("editor", "csrf editor");
        var id = await SubmitAsync("CSRF Target");
        var approve = $"/api/console/submissions/{id}/approve";

        await Refused(await editor.SendAsync(HttpMethod.Post, approve, new JsonObject(), origin: Evil), "another Origin");
        var form = new StringContent("x=1", Encoding.UTF8, "application/x-www-form-urlencoded");
        await Refused(await editor.SendAsync(HttpMethod.Post, approve, origin: Evil, csrf: false, content: form), "a cross-site form post");
        await Refused(await editor.SendAsync(HttpMethod.Post, approve, new JsonObject(), csrf: false), "no CSRF token");
        var wrong = editor.Csrf;
        editor.Csrf = "not-the-token";
        await Refused(await editor.SendAsync(HttpMethod.Post, approve, new JsonObject()), "a wrong CSRF token");
        editor.Csrf = wrong;
        await Refused(await editor.SendAsync(HttpMethod.Post, approve, new JsonObject(), origin: null), "neither Origin nor Sec-Fetch-Site");
        await Refused(await editor.SendAsync(HttpMethod.Post, "/api/console/auth/signin/options", new JsonObject(), origin: Evil), "sign-in from another Origin");
        Assert.Equal("pending", (await node.JsonAsync(HttpMethod.Get, $"/api/admin/submissions/{id}", node.EditorToken)).GetProperty("status").GetString());

        var published = await editor.JsonAsync(HttpMethod.Post, approve, new JsonObject());
        Assert.Equal("active", published.GetProperty("status").GetString());
        var audit = await node.JsonAsync(HttpMethod.Get, "/api/admin/audit", node.AdminToken);
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("action").GetString() == "submission.approve" && e.GetProperty("actor").GetString() == "csrf editor");
    }

    [Fact]
    public async Task Enrolment_links_are_single_use_and_expire_and_bearer_tokens_enrol_too()
    {
        var link = (await node.Cli("enrol", "--name", "link editor", "--role", "editor")).Trim();
        Assert.StartsWith(node.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/console#enrol=atlas_enrol_", link);
        var token = link[(link.IndexOf("#enrol=", StringComparison.Ordinal) + 7)..];
        using var first = new SoftPasskey();
        var client = new ConsoleClient(node);
        await client.EnrolAsync(first, token);
        Assert.Equal("link editor", client.Name);
        using var reused = await new ConsoleClient(node).SendAsync(HttpMethod.Post, "/api/console/auth/enrol/options", new JsonObject { ["token"] = token });
        await Expect(HttpStatusCode.Forbidden, reused, "a used enrolment link");
        Assert.DoesNotContain(token, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(Path.Combine(node.DataDir, "atlas.db"))));

        var later = (await node.Cli("enrol", "--name", "late editor", "--role", "editor")).Trim();
        Db(c => c.Execute("UPDATE enrolments SET expires_at = 1 WHERE used_at IS NULL"));
        using var expired = await new ConsoleClient(node).SendAsync(HttpMethod.Post, "/api/console/auth/enrol/options", new JsonObject { ["token"] = later[(later.IndexOf('=') + 1)..] });
        await Expect(HttpStatusCode.Forbidden, expired, "an expired enrolment link");

        using var byToken = new SoftPasskey();
        var tokenClient = new ConsoleClient(node);
        await tokenClient.EnrolAsync(byToken, bearer: node.EditorToken);
        Assert.Equal("test-editor", tokenClient.Name);
        // The same passkey signs in again later, with a new session.
        var again = new ConsoleClient(node);
        await again.SignInAsync(byToken);
        Assert.NotEqual(tokenClient.Session, again.Session);
        Assert.Equal("editor", (await again.JsonAsync(HttpMethod.Get, "/api/console/session")).GetProperty("role").GetString());
    }

    [Fact]
    public async Task A_session_of_one_node_is_refused_by_another()
    {
        var (berlin, _) = await EnrolAsync("admin", "two-node admin");
        var tbilisi = new OtherNode();
        await tbilisi.InitializeAsync();
        try
        {
            var there = new ConsoleClient(tbilisi) { Session = berlin.Session, Csrf = berlin.Csrf };
            await Expect(HttpStatusCode.Unauthorized, await there.SendAsync(HttpMethod.Get, "/api/console/session"), "Berlin's session at Tbilisi");
            await Expect(HttpStatusCode.Unauthorized, await there.SendAsync(HttpMethod.Get, "/api/console/session", cookieName: berlin.CookieName), "Berlin's cookie at Tbilisi");
            Assert.NotEqual(berlin.CookieName, there.CookieName);
            Assert.Equal(HttpStatusCode.OK, (await berlin.SendAsync(HttpMethod.Get, "/api/console/session")).StatusCode);
        }
        finally
        {
            await tbilisi.DisposeAsync();
        }
    }

    [Fact]
    public async Task Admins_invite_and_revoke_editors_and_a_revoked_editor_is_out_at_once()
    {
        var (admin, _) = await EnrolAsync("admin", "inviting admin");
        var invite = await admin.JsonAsync(HttpMethod.Post, "/api/console/editors", new JsonObject { ["name"] = "invited editor", ["role"] = "editor" }, HttpStatusCode.Created);
        var link = invite.GetProperty("link").GetString()!;
        using var passkey = new SoftPasskey();
        var invited = new ConsoleClient(node);
        await invited.EnrolAsync(passkey, link[(link.IndexOf('=') + 1)..], label: "phone");
        var editors = await admin.JsonAsync(HttpMethod.Get, "/api/console/editors");
        var row = editors.EnumerateArray().Single(e => e.GetProperty("name").GetString() == "invited editor");
        Assert.Equal("phone", row.GetProperty("passkeys")[0].GetProperty("label").GetString());

        await admin.JsonAsync(HttpMethod.Delete, $"/api/console/editors/{row.GetProperty("id").GetInt64()}", expect: HttpStatusCode.NoContent);
        await Expect(HttpStatusCode.Unauthorized, await invited.SendAsync(HttpMethod.Get, "/api/console/submissions"), "a revoked editor's session");
        var options = await new ConsoleClient(node).JsonAsync(HttpMethod.Post, "/api/console/auth/signin/options", new JsonObject());
        using var signIn = await new ConsoleClient(node).SendAsync(HttpMethod.Post, "/api/console/auth/signin/complete",
            new JsonObject { ["ceremony"] = options.GetProperty("ceremony").GetString(), ["credential"] = passkey.Get(options.GetProperty("options"), invited.Origin) });
        await Expect(HttpStatusCode.Forbidden, signIn, "a revoked editor's passkey");
        var audit = await admin.JsonAsync(HttpMethod.Get, "/api/console/audit");
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("action").GetString() == "editor.revoke" && e.GetProperty("actor").GetString() == "inviting admin");
        Assert.Equal(1, (await admin.JsonAsync(HttpMethod.Get, "/api/console/keys")).GetProperty("keyset_version").GetInt64());
    }

    [Fact]
    public async Task A_passkey_answer_for_another_site_or_a_replayed_challenge_is_refused()
    {
        var (client, passkey) = await EnrolAsync("editor", "phished editor");
        var options = await client.JsonAsync(HttpMethod.Post, "/api/console/auth/signin/options", new JsonObject());
        var ceremony = options.GetProperty("ceremony").GetString();
        // A phishing page at another origin relays the challenge: the passkey signs for the phisher's origin and RP id.
        using var phished = await client.SendAsync(HttpMethod.Post, "/api/console/auth/signin/complete",
            new JsonObject { ["ceremony"] = ceremony, ["credential"] = passkey.Get(options.GetProperty("options"), "https://atlas-berlin.example", "atlas-berlin.example") });
        await Expect(HttpStatusCode.BadRequest, phished, "an answer made for another site");
        using var replay = await client.SendAsync(HttpMethod.Post, "/api/console/auth/signin/complete",
            new JsonObject { ["ceremony"] = ceremony, ["credential"] = passkey.Get(options.GetProperty("options"), client.Origin) });
        await Expect(HttpStatusCode.BadRequest, replay, "a ceremony answered twice");
    }

    [Fact]
    public async Task Console_moderation_runs_the_admin_code_edit_then_approve_reject_confirm_takedown()
    {
        var (editor, _) = await EnrolAsync("editor", "moderating editor");
        var id = await SubmitAsync("Edit Me First");
        var submission = await editor.JsonAsync(HttpMethod.Get, $"/api/console/submissions/{id}");
        var org = JsonNode.Parse(submission.GetProperty("organisation").GetRawText())!.AsObject();
        org["name"]!["en"] = "Edited By Editor";
        await editor.JsonAsync(HttpMethod.Put, $"/api/console/submissions/{id}", org);
        var listingId = (await editor.JsonAsync(HttpMethod.Post, $"/api/console/submissions/{id}/approve", new JsonObject())).GetProperty("id").GetString()!;
        var listing = await editor.JsonAsync(HttpMethod.Get, $"/api/console/organisations/{listingId}");
        Assert.Equal("Edited By Editor", listing.GetProperty("organisation").GetProperty("name").GetProperty("en").GetString());

        var rejected = await SubmitAsync("Reject Me");
        var r = await editor.JsonAsync(HttpMethod.Post, $"/api/console/submissions/{rejected}/reject", new JsonObject { ["reason"] = "Not an initiative." });
        Assert.Equal("Not an initiative.", r.GetProperty("reason").GetString());
        Assert.Equal("moderating editor", r.GetProperty("decided_by").GetString());

        Db(c => c.Execute("UPDATE listings SET private_json = json_set(private_json, '$.last_confirmed', '2025-01-01', '$.review_by', '2026-01-01') WHERE id = @listingId", new { listingId }));
        var confirmed = await editor.JsonAsync(HttpMethod.Post, $"/api/console/organisations/{listingId}/confirm", new JsonObject());
        Assert.Equal(2, confirmed.GetProperty("seq").GetInt64());
        var after = (await editor.JsonAsync(HttpMethod.Get, $"/api/console/organisations/{listingId}")).GetProperty("organisation");
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd"), after.GetProperty("last_confirmed").GetString());
        Assert.Equal(DateTime.UtcNow.AddYears(1).ToString("yyyy-MM-dd"), after.GetProperty("review_by").GetString());

        var down = await editor.JsonAsync(HttpMethod.Post, $"/api/console/organisations/{listingId}/takedown", new JsonObject());
        Assert.Equal("tombstone", down.GetProperty("status").GetString());
        var audit = await node.JsonAsync(HttpMethod.Get, "/api/admin/audit", node.AdminToken);
        foreach (var action in new[] { "submission.edit", "submission.approve", "submission.reject", "listing.confirm", "listing.takedown" })
        {
            Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("action").GetString() == action && e.GetProperty("actor").GetString() == "moderating editor");
        }
    }

    [Fact]
    public async Task Submitter_email_and_note_are_deleted_after_the_retention_time()
    {
        var sub = await node.JsonAsync(HttpMethod.Post, "/api/submissions",
            json: new { organisation = Samples.Org("Privacy Case"), submitter_email = "volunteer@example.org", note = "call me" }, expect: HttpStatusCode.Accepted);
        var id = sub.GetProperty("id").GetInt64();
        var fresh = await SubmitAsync("Recently Decided", email: "recent@example.org");
        await node.JsonAsync(HttpMethod.Post, $"/api/admin/submissions/{id}/reject", node.EditorToken);
        await node.JsonAsync(HttpMethod.Post, $"/api/admin/submissions/{fresh}/reject", node.EditorToken);
        Db(c => c.Execute("UPDATE submissions SET decided_at = decided_at - 31 * 86400 WHERE id = @id", new { id }));
        await node.StopAsync();
        await node.StartAsync(); // the worker looks at start, then every CheckMinutes
        JsonElement old = default;
        await Poll.UntilAsync(async () =>
        {
            old = await node.JsonAsync(HttpMethod.Get, $"/api/admin/submissions/{id}", node.EditorToken);
            return !old.TryGetProperty("submitter_email", out _);
        }, "submitter email deleted", TimeSpan.FromSeconds(20));
        Assert.False(old.TryGetProperty("note", out _));
        Assert.Equal("rejected", old.GetProperty("status").GetString());
        var recent = await node.JsonAsync(HttpMethod.Get, $"/api/admin/submissions/{fresh}", node.EditorToken);
        Assert.Equal("recent@example.org", recent.GetProperty("submitter_email").GetString());
    }

    private async Task<(ConsoleClient Client, SoftPasskey Passkey)> EnrolAsync(string role, string name)
    {
        var link = (await node.Cli("enrol", "--name", name, "--role", role)).Trim();
        var passkey = new SoftPasskey();
        var client = new ConsoleClient(node);
        await client.EnrolAsync(passkey, link[(link.IndexOf("#enrol=", StringComparison.Ordinal) + 7)..]);
        return (client, passkey);
    }

    private async Task<long> SubmitAsync(string name, string? email = null) =>
        (await node.JsonAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Samples.Org(name), submitter_email = email }, expect: HttpStatusCode.Accepted)).GetProperty("id").GetInt64();

    private void Db(Action<SqliteConnection> change)
    {
        using var conn = new SqliteConnection($"Data Source={Path.Combine(node.DataDir, "atlas.db")};Pooling=False");
        conn.Open();
        conn.Execute("PRAGMA busy_timeout = 10000;");
        change(conn);
    }

    private static async Task Refused(HttpResponseMessage r, string what)
    {
        using (r)
        {
            var text = await r.Content.ReadAsStringAsync();
            Assert.True(r.StatusCode == HttpStatusCode.Forbidden && text.Contains("\"Refused\"", StringComparison.Ordinal), $"{what}: expected 403 Refused, got {(int)r.StatusCode} {text}");
        }
    }

    private static async Task Expect(HttpStatusCode expected, HttpResponseMessage r, string what)
    {
        using (r)
        {
            Assert.True(r.StatusCode == expected, $"{what}: expected {(int)expected}, got {(int)r.StatusCode}: {await r.Content.ReadAsStringAsync()}");
        }
    }

    private sealed class OtherNode() : TestNode("tbilisi");
}
