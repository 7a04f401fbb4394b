using System.Net;
using System.Text.RegularExpressions;
using Atlas.Api.Tests.Infrastructure;

namespace Atlas.Api.Tests;

public sealed class FailureTests
{
    /// <summary>A failure in the middle of a publish (here: the signing key file vanished) is a 500 problem
    /// without internals, and the transaction leaves nothing half-written.</summary>
    [Fact]
    public async Task A_failing_publish_is_a_plain_500_problem_and_changes_nothing()
    {
        await using var node = new OwnedNode();
        await node.InitializeAsync();
        var sub = await node.JsonAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Samples.Org("Never Half Written") }, expect: HttpStatusCode.Accepted);
        var feedBefore = await node.GetStringAsync("/atlas/v1/changes");

        var rotated = await node.Cli("keys", "rotate");
        var kid = Regex.Match(rotated, "new signing key (\\S+);").Groups[1].Value;
        File.Delete(Path.Combine(node.DataDir, "keys", kid + ".pem"));

        using var r = await node.SendAsync(HttpMethod.Post, $"/api/admin/submissions/{sub.GetProperty("id").GetInt64()}/approve", node.EditorToken);
        var body = await r.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
        Assert.DoesNotContain("   at ", body);
        Assert.DoesNotContain("Exception", body);
        Assert.DoesNotContain(node.DataDir, body);

        Assert.Equal(feedBefore, await node.GetStringAsync("/atlas/v1/changes"));
        var stored = await node.JsonAsync(HttpMethod.Get, $"/api/admin/submissions/{sub.GetProperty("id").GetInt64()}", node.EditorToken);
        Assert.Equal("pending", stored.GetProperty("status").GetString());
    }
}
