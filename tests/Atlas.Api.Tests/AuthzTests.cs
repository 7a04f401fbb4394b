using System.Net;
using Atlas.Api.Tests.Infrastructure;

namespace Atlas.Api.Tests;

public sealed class AuthzTests(TestNode node) : IClassFixture<TestNode>
{
    /// <summary>Every route under /api/admin, read from the node's own endpoint data source (the
    /// <c>routes</c> command), so a route added later without a policy fails this test.</summary>
    [Fact]
    public async Task Every_admin_route_refuses_missing_wrong_revoked_and_lower_role_tokens()
    {
        var listing = await NodeProcess.RunCliAsync("routes");
        Assert.Equal(0, listing.ExitCode);
        var routes = listing.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim().Split(' '))
            .Select(p => (Method: p[0], Pattern: p[1], Policy: p[2]))
            .ToList();
        var admin = routes.Where(r => r.Pattern.StartsWith("/api/admin", StringComparison.Ordinal)).ToList();
        Assert.True(admin.Count >= 15, $"only {admin.Count} admin routes found: {listing.StandardOutput}");
        Assert.All(admin, r => Assert.Contains(r.Policy, new[] { "editor", "admin" }));
        // Nothing outside /api/admin needs a token, and nothing public is accidentally an admin route; the console's
        // routes need a session instead (ConsoleTests enumerates them).
        Assert.All(routes.Except(admin).Where(r => !r.Pattern.StartsWith("/api/console/", StringComparison.Ordinal)), r => Assert.Equal("-", r.Policy));
        Assert.All(routes.Where(r => r.Pattern.StartsWith("/api/console/", StringComparison.Ordinal) && !r.Pattern.StartsWith("/api/console/auth/", StringComparison.Ordinal)),
            r => Assert.Contains(r.Policy, new[] { "console-editor", "console-admin" }));

        var revoked = await node.JsonAsync(HttpMethod.Post, "/api/admin/tokens", node.AdminToken, new { name = "soon revoked", role = "admin" }, HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.NoContent, (await node.SendAsync(HttpMethod.Delete, $"/api/admin/tokens/{revoked.GetProperty("id").GetInt64()}", node.AdminToken)).StatusCode);
        var revokedToken = revoked.GetProperty("token").GetString()!;

        foreach (var (method, pattern, policy) in admin)
        {
            var path = pattern.Replace("{id:long}", "1").Replace("{id}", "0b7a2b52-9f0c-4f43-9d0a-3f7c1c2c9a11");
            var m = new HttpMethod(method);
            await Expect(HttpStatusCode.Unauthorized, m, path, null, "no token");
            await Expect(HttpStatusCode.Unauthorized, m, path, "atlas_wrong-token", "wrong token");
            await Expect(HttpStatusCode.Unauthorized, m, path, revokedToken, "revoked token");
            if (policy == "admin")
            {
                await Expect(HttpStatusCode.Forbidden, m, path, node.EditorToken, "editor token on an admin route");
            }
        }
    }

    [Fact]
    public async Task Tokens_are_shown_once_and_stored_hashed()
    {
        var created = await node.JsonAsync(HttpMethod.Post, "/api/admin/tokens", node.AdminToken, new { name = "new editor", role = "editor" }, HttpStatusCode.Created);
        var token = created.GetProperty("token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await node.SendAsync(HttpMethod.Get, "/api/admin/submissions", token)).StatusCode);
        var list = await node.GetAdminTokensText();
        Assert.DoesNotContain(token, list);
        Assert.DoesNotContain(token, node.Log);
        var db = await File.ReadAllBytesAsync(Path.Combine(node.DataDir, "atlas.db"));
        Assert.DoesNotContain(token, System.Text.Encoding.UTF8.GetString(db));
    }

    private async Task Expect(HttpStatusCode expected, HttpMethod method, string path, string? token, string what)
    {
        using var r = await node.SendAsync(method, path, token, body: method == HttpMethod.Get || method == HttpMethod.Delete ? null : "{}");
        Assert.True(r.StatusCode == expected, $"{method} {path} with {what}: expected {(int)expected}, got {(int)r.StatusCode}");
    }
}

internal static class AdminTokenText
{
    public static async Task<string> GetAdminTokensText(this TestNode node)
    {
        using var r = await node.SendAsync(HttpMethod.Get, "/api/admin/tokens", node.AdminToken);
        return await r.Content.ReadAsStringAsync();
    }
}
