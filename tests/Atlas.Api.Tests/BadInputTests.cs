using System.Net;
using System.Text;
using System.Text.Json;
using Atlas.Api.Tests.Infrastructure;

namespace Atlas.Api.Tests;

/// <summary>Every bad submission gets a clear 4xx problem (RFC 9457) and stores nothing.</summary>
public sealed class BadInputTests(TestNode node) : IClassFixture<TestNode>
{
    private const string ValidOrg = """{"name":{"en":"Valid"},"focus":["legal-aid"],"languages":["ru"],"locations":[{"kind":"physical","city":"Berlin","country":"DE"}]}""";

    public static TheoryData<string, string, int, string> Cases => new()
    {
        { "malformed JSON", """{"organisation": {"name": """, 400, "not acceptable JSON" },
        { "duplicate keys", """{"organisation":""" + ValidOrg.Replace("""{"name":{"en":"Valid"}""", """{"name":{"en":"Valid"},"name":{"en":"Planted"}""") + "}", 400, "Duplicate property" },
        { "duplicate contact value", """{"organisation":""" + ValidOrg.Replace("]}", """],"contacts":[{"kind":"phone","value":"+49 30 1111111","value":"+7 900 0000000","visibility":"public"}]}""") + "}", 400, "Duplicate property" },
        { "unknown field", """{"organisation":""" + ValidOrg + ""","admin":true}""", 400, "could not be mapped" },
        { "unknown nested field", """{"organisation":""" + ValidOrg.Replace("\"focus\"", "\"is_verified\":true,\"focus\"") + "}", 400, "could not be mapped" },
        { "unknown focus code", """{"organisation":""" + ValidOrg.Replace("legal-aid", "weapons") + "}", 422, "organisation.focus[0]" },
        { "invalid coordinates", """{"organisation":""" + ValidOrg.Replace("\"country\":\"DE\"", "\"country\":\"DE\",\"lat\":200,\"lon\":13.4") + "}", 422, "organisation.locations[0].lat" },
        { "coordinates far from the city", """{"organisation":""" + ValidOrg.Replace("\"country\":\"DE\"", "\"country\":\"DE\",\"lat\":55.75,\"lon\":37.62") + "}", 422, "centre of Berlin" },
        { "country/city mismatch", """{"organisation":""" + ValidOrg.Replace("\"DE\"", "\"RU\"") + "}", 422, "Berlin is in DE, not RU" },
        { "script in name", """{"organisation":""" + ValidOrg.Replace("Valid", "<script>alert(1)</script>") + "}", 422, "organisation.name.en" },
        { "script in description", """{"organisation":""" + ValidOrg.Replace("\"focus\"", "\"description\":{\"ru\":\"<img src=x onerror=alert(1)>\"},\"focus\"") + "}", 422, "organisation.description.ru" },
        { "javascript url", """{"organisation":""" + ValidOrg.Replace("\"focus\"", "\"website\":\"javascript:alert(1)\",\"focus\"") + "}", 422, "organisation.website" },
        { "contact without visibility", """{"organisation":""" + ValidOrg.Replace("]}", """],"contacts":[{"kind":"email","value":"a@example.org"}]}""") + "}", 422, "organisation.contacts[0].visibility" },
        { "node-minted id", """{"organisation":""" + ValidOrg.Replace("{\"name\"", "{\"id\":\"0b7a2b52-9f0c-4f43-9d0a-3f7c1c2c9a11\",\"name\"") + "}", 422, "organisation.id" },
        { "bad submitter email", """{"organisation":""" + ValidOrg + ""","submitter_email":"<b>@x"}""", 422, "submitter_email" },
        { "edit of unknown listing", """{"organisation":""" + ValidOrg + ""","listing_id":"0b7a2b52-9f0c-4f43-9d0a-3f7c1c2c9a11"}""", 422, "listing_id" },
        { "JSON null", "null", 400, "null" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_submission_is_refused_with_a_problem_and_nothing_is_stored(string why, string body, int status, string mentions)
    {
        var before = await Count();
        using var r = await node.SendAsync(HttpMethod.Post, "/api/submissions", body: body);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True((int)r.StatusCode == status, $"{why}: expected {status}, got {(int)r.StatusCode}: {text}");
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Contains(mentions, text);
        Assert.DoesNotContain("   at ", text); // no stack trace
        Assert.Equal(before, await Count());
    }

    [Fact]
    public async Task Oversized_body_is_413_and_nothing_is_stored()
    {
        var before = await Count();
        var big = """{"organisation":""" + ValidOrg.Replace("\"focus\"", $"\"description\":{{\"en\":\"{new string('a', 70_000)}\"}},\"focus\"") + "}";
        using var r = await node.SendAsync(HttpMethod.Post, "/api/submissions", body: big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        Assert.Contains("64 KB", await r.Content.ReadAsStringAsync());
        Assert.Equal(before, await Count());
    }

    [Fact]
    public async Task Wrong_content_type_is_415()
    {
        var before = await Count();
        using var r = await node.Http.PostAsync(node.BaseUrl + "/api/submissions", new StringContent("""{"organisation":""" + ValidOrg + "}", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.StatusCode);
        Assert.Equal(before, await Count());
    }

    [Fact]
    public async Task A_valid_submission_is_stored_as_pending_and_published_only_after_approval()
    {
        var before = await Count();
        var feed = (await node.ChangesAsync()).Until;
        using var r = await node.SendAsync(HttpMethod.Post, "/api/submissions", body: """{"organisation":""" + ValidOrg + "}");
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        Assert.Equal(before + 1, await Count());
        Assert.Equal(feed, (await node.ChangesAsync()).Until);
    }

    [Fact]
    public async Task Unexpected_routes_and_bad_query_values_are_problems_too()
    {
        using var r = await node.SendAsync(HttpMethod.Get, "/atlas/v1/changes?after=abc");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
        using var missing = await node.SendAsync(HttpMethod.Get, "/atlas/v1/listings/not-a-uuid");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
    }

    private async Task<int> Count() => (await node.JsonAsync(HttpMethod.Get, "/api/admin/submissions", node.EditorToken)).GetArrayLength();
}

public sealed class RateLimitTests
{
    [Fact]
    public async Task Submissions_beyond_the_limit_get_429_with_Retry_After_and_are_not_stored()
    {
        await using var node = new OwnedNode(new Dictionary<string, string>
        {
            ["RateLimiting__Submissions__PermitLimit"] = "2",
            ["RateLimiting__Submissions__WindowSeconds"] = "3600",
        });
        await node.InitializeAsync();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 3; i++)
        {
            last?.Dispose();
            last = await node.SendAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Samples.Org($"Flood {i}") });
            statuses.Add(last.StatusCode);
        }
        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], statuses);
        var retryAfter = int.Parse(last!.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retryAfter, 1, 3600);
        Assert.Equal("application/problem+json", last.Content.Headers.ContentType!.MediaType);
        last.Dispose();
        Assert.Equal(2, (await node.JsonAsync(HttpMethod.Get, "/api/admin/submissions", node.EditorToken)).GetArrayLength());
        // Reads are not limited.
        Assert.Equal(HttpStatusCode.OK, (await node.SendAsync(HttpMethod.Get, "/atlas/v1/head")).StatusCode);
    }

    /// <summary>Behind a configured proxy each forwarded client has its own bucket; without that configuration a
    /// forged X-Forwarded-For changes nothing (the limit cannot be dodged by inventing addresses).</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_limit_is_per_forwarded_client_only_behind_a_trusted_proxy(bool trusted)
    {
        var env = new Dictionary<string, string>
        {
            ["RateLimiting__Submissions__PermitLimit"] = "1",
            ["RateLimiting__Submissions__WindowSeconds"] = "3600",
        };
        if (trusted)
        {
            env["Node__TrustedProxies__0"] = "127.0.0.0/8";
        }
        await using var node = new OwnedNode(env);
        await node.InitializeAsync();

        async Task<HttpStatusCode> Submit(string client, int i)
        {
            using var request = node.Request(HttpMethod.Post, "/api/submissions", json: new { organisation = Samples.Org($"Forwarded {i}") });
            request.Headers.Add("X-Forwarded-For", client);
            using var response = await node.Http.SendAsync(request);
            return response.StatusCode;
        }

        var statuses = new[] { await Submit("203.0.113.1", 0), await Submit("203.0.113.1", 1), await Submit("203.0.113.2", 2) };
        Assert.Equal(trusted
            ? [HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests, HttpStatusCode.Accepted]
            : [HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task A_malformed_trusted_proxy_stops_the_node_with_one_line_naming_the_setting()
    {
        await using var node = new OwnedNode(new Dictionary<string, string> { ["Node__TrustedProxies__0"] = "caddy" });
        var error = await Assert.ThrowsAnyAsync<Exception>(node.InitializeAsync);
        Assert.Contains("Node:TrustedProxies entry 'caddy'", error.Message);
    }
}
