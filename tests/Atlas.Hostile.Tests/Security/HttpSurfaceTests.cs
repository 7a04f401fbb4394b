using System.Net;
using System.Text;
using System.Text.Json;

namespace Atlas.Hostile.Tests.Security;

/// <summary>One running node shared by the HTTP-surface checks (each test leaves the node usable).</summary>
public sealed class SurfaceNode : IAsyncLifetime
{
    public HostileNode Node { get; private set; } = null!;

    public List<(string Method, string Pattern, string Policy)> Routes { get; private set; } = [];

    public string ListingId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Node = await HostileNode.CreateAsync("surface", new Dictionary<string, string?>
        {
            // Loudest useful logging, so the no-secrets check sees everything the node could write.
            ["Logging__LogLevel__Default"] = "Debug",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
        });
        var routes = await Node.CliAsync("routes");
        Routes = [.. routes.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim().Split(' '))
            .Select(p => (p[0], p[1], p[2]))];
        ListingId = await Node.PublishAsync(Orgs.Make("Surface check"));
    }

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

/// <summary>Security review of the node's HTTP surface with a real process: headers on every response (errors
/// included), CORS only on public GETs, body size limits on every route that takes a body, odd Authorization headers,
/// readiness probes that must not break signing. Admin authorization per route is AuthzTests in Atlas.Api.Tests.</summary>
public sealed class HttpSurfaceTests(SurfaceNode fixture) : IClassFixture<SurfaceNode>
{
    private HostileNode Node => fixture.Node;

    /// <summary>Regression: /health/ready disposed the KeyStore's cached signing key, so after the first readiness
    /// probe every publish (and every head) failed with 500 until the node was restarted.</summary>
    [Fact]
    public async Task Readiness_probes_do_not_break_signing()
    {
        for (var round = 0; round < 3; round++)
        {
            for (var probe = 0; probe < 3; probe++)
            {
                using var ready = await Node.Http.GetAsync("/health/ready");
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            }

            var id = await Node.PublishAsync(Orgs.Make($"After probe {round}"));
            using var listing = await Node.Http.GetAsync($"/atlas/v1/listings/{id}");
            Assert.Equal(HttpStatusCode.OK, listing.StatusCode);
        }
    }

    public static TheoryData<string, string, string, string?, int> Responses => new()
    {
        // name, method, path, body, expected status
        { "public read", "GET", "/atlas/v1/head", null, 200 },
        { "descriptor", "GET", "/.well-known/atlas-node", null, 200 },
        { "liveness", "GET", "/health/live", null, 200 },
        { "submission accepted", "POST", "/api/submissions", """{"organisation":{"name":{"en":"Header check"},"focus":["legal-aid"],"languages":["ru"],"locations":[{"kind":"physical","city":"Berlin","country":"DE"}]}}""", 202 },
        { "bad query", "GET", "/atlas/v1/changes?after=-1", null, 400 },
        { "bad query type", "GET", "/api/organisations?page=abc", null, 400 },
        { "malformed body", "POST", "/api/submissions", "{", 400 },
        { "no token", "GET", "/api/admin/submissions", null, 401 },
        { "unknown route", "GET", "/nope", null, 404 },
        { "unknown listing", "GET", "/atlas/v1/listings/00000000-0000-4000-8000-000000000000", null, 404 },
        { "wrong method", "DELETE", "/atlas/v1/head", null, 405 },
        { "too large", "POST", "/api/submissions", "{\"organisation\":\"" + new string('a', 70_000) + "\"}", 413 },
        { "invalid organisation", "POST", "/api/submissions", """{"organisation":{"name":{"en":"<b>x</b>"},"focus":["legal-aid"],"languages":["ru"],"locations":[{"kind":"physical","city":"Berlin","country":"DE"}]}}""", 422 },
    };

    [Theory]
    [MemberData(nameof(Responses))]
    public async Task Security_headers_are_on_every_response_including_errors(string name, string method, string path, string? body, int status)
    {
        using var r = await Node.SendAsync(new HttpMethod(method), path, body: body);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True((int)r.StatusCode == status, $"{name}: expected {status}, got {(int)r.StatusCode}: {text}");
        AssertSecurityHeaders(r, name);
        if (status >= 400)
        {
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("   at ", text);
        }
    }

    [Fact]
    public async Task Cors_is_granted_only_to_public_GETs()
    {
        var publicGets = fixture.Routes.Where(r => r.Method == "GET" && r.Policy == "-" && !r.Pattern.StartsWith("/health", StringComparison.Ordinal)
            && !SameOriginOnly.Contains(r.Pattern)).ToList();
        Assert.True(publicGets.Count >= 9, string.Join(", ", publicGets));
        foreach (var (_, pattern, _) in publicGets)
        {
            var path = pattern.Replace("{version:long}", "1").Replace("{seq:long}", "1").Replace("{id}", fixture.ListingId).Replace("{documentName}", "v1");
            using var request = Node.Request(HttpMethod.Get, path);
            request.Headers.Add("Origin", "https://map.example.org");
            using var r = await Node.Http.SendAsync(request);
            Assert.True(r.IsSuccessStatusCode, $"GET {path}: {(int)r.StatusCode}");
            Assert.True(r.Headers.TryGetValues("Access-Control-Allow-Origin", out var origin) && origin.Single() == "*", $"GET {path} lacks CORS");
        }

        // Everything else: no CORS grant, neither on the request nor on a preflight.
        foreach (var (method, pattern, _) in fixture.Routes.Where(r => r.Method != "GET" || r.Policy != "-" || SameOriginOnly.Contains(r.Pattern)))
        {
            var path = pattern.Replace("{id:long}", "1").Replace("{id}", fixture.ListingId);
            using var preflight = new HttpRequestMessage(HttpMethod.Options, path);
            preflight.Headers.Add("Origin", "https://evil.example");
            preflight.Headers.Add("Access-Control-Request-Method", method);
            preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
            using var pre = await Node.Http.SendAsync(preflight);
            Assert.False(pre.Headers.Contains("Access-Control-Allow-Origin"), $"preflight {method} {path} granted CORS");

            using var request = Node.Request(new HttpMethod(method), path, Node.EditorToken, body: method is "GET" or "DELETE" ? null : "{}");
            request.Headers.Add("Origin", "https://evil.example");
            using var r = await Node.Http.SendAsync(request);
            Assert.False(r.Headers.Contains("Access-Control-Allow-Origin"), $"{method} {path} granted CORS");
        }
    }

    /// <summary>Public GETs for the node's own pages only (same origin): the pages, the proof-of-work challenge (its POST has
    /// no CORS either) and receipts (a capability in the URL is not for other sites' scripts).</summary>
    private static readonly string[] SameOriginOnly =
    [
        "/propose", "/receipt", "/console", "/pages/assets/{file}", "/api/submissions/challenge", "/api/receipts/{token}",
    ];

    /// <summary>Routes that act on their URL alone and never read a body (Kestrel's global limit applies to them).</summary>
    private static readonly string[] BodylessRoutes =
    [
        "/api/admin/submissions/{id:long}/approve", "/api/admin/organisations/{id}/withdraw", "/api/admin/organisations/{id}/takedown", "/api/admin/keys/rotate",
        "/api/receipts/{token}/withdraw",
    ];

    /// <summary>Every route that reads a body refuses a 200 KB one (declared or chunked) with 413 and writes nothing.</summary>
    [Fact]
    public async Task Every_body_reading_route_enforces_the_size_limit_and_writes_nothing()
    {
        var writers = fixture.Routes.Where(r => r.Method is "POST" or "PUT" && !BodylessRoutes.Contains(r.Pattern)).ToList();
        Assert.True(writers.Count >= 5, string.Join(", ", writers));
        var big = "{\"name\":\"" + new string('x', 200_000) + "\"}";
        var adminToken = Node.AdminToken;
        foreach (var (method, pattern, _) in writers)
        {
            var path = pattern.Replace("{id:long}", "999999").Replace("{id}", fixture.ListingId);
            foreach (var chunked in new[] { false, true })
            {
                var before = Node.TableCounts();
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                request.Headers.Authorization = new("Bearer", adminToken);
                HttpContent content = chunked
                    ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)))
                    : new StringContent(big, Encoding.UTF8);
                content.Headers.ContentType = new("application/json");
                if (chunked)
                {
                    request.Headers.TransferEncodingChunked = true;
                }

                request.Content = content;
                using var r = await Node.Http.SendAsync(request);
                var text = await r.Content.ReadAsStringAsync();
                var what = $"{method} {path} ({(chunked ? "chunked" : "Content-Length")})";
                // Refused for its size before authentication and before the route runs, whatever the route (a console
                // route with a bearer token is never reached: 413, not 401), declared or chunked.
                var expected = HttpStatusCode.RequestEntityTooLarge;
                Assert.True(r.StatusCode == expected, $"{what}: expected {(int)expected}, got {(int)r.StatusCode} {text}");
                Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
                AssertSecurityHeaders(r, what);
                Assert.Equal(before, Node.TableCounts());
            }
        }
    }

    public static TheoryData<string, string> OddAuthorizations => new()
    {
        { "empty bearer", "Bearer " },
        { "basic", "Basic YWRtaW46YWRtaW4=" },
        { "lowercase scheme", "bearer atlas_whatever" },
        { "token with NUL", "Bearer atlas_\0x" },
        { "sql in token", "Bearer ' OR 1=1 --" },
        { "huge token", "Bearer " + new string('a', 8000) },
        { "two tokens", "Bearer a, Bearer b" },
    };

    [Theory]
    [MemberData(nameof(OddAuthorizations))]
    public async Task Odd_authorization_headers_are_401_never_500(string name, string header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/tokens");
        Assert.True(request.Headers.TryAddWithoutValidation("Authorization", header), name);
        var r = await Node.Http.SendAsync(request);
        using (r)
        {
            if (header.Contains('\0'))
            {
                // Kestrel itself rejects a NUL in a header before the application runs: a bare 400.
                Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
                return;
            }

            Assert.True(r.StatusCode == HttpStatusCode.Unauthorized, $"{name}: {(int)r.StatusCode}");
            AssertSecurityHeaders(r, name);
        }
    }

    /// <summary>Issue 15: a route that reads no body accepts none (not Kestrel's 30 MB): a body over 16 bytes, or chunked,
    /// is refused with 413 problem details and the security headers before the route runs, so nothing changes.</summary>
    [Fact]
    public async Task Routes_that_read_no_body_refuse_one_with_413_before_running()
    {
        using var doc = JsonDocument.Parse(await Node.Http.GetStringAsync("/openapi/v1.json"));
        var readers = doc.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Where(o => o.Value.TryGetProperty("requestBody", out _)).Select(o => (o.Name.ToUpperInvariant(), p.Name)))
            .ToHashSet();
        // The routes command prints a group's own route with a trailing slash (/api/admin/tokens/); OpenAPI without.
        string Unconstrained(string pattern) => pattern.Replace(":long}", "}", StringComparison.Ordinal).TrimEnd('/');
        var bodyless = fixture.Routes.Where(r => !readers.Contains((r.Method, Unconstrained(r.Pattern)))).ToList();
        Assert.All(BodylessRoutes, b => Assert.Contains(bodyless, r => r.Pattern == b));
        Assert.Contains(bodyless, r => r is ("GET", "/atlas/v1/head", _));
        Assert.Contains(bodyless, r => r is ("DELETE", "/api/admin/tokens/{id:long}", _));

        foreach (var (method, pattern, _) in bodyless)
        {
            var path = pattern.Replace("{version:long}", "1").Replace("{seq:long}", "1").Replace("{id:long}", "1").Replace("{id}", fixture.ListingId)
                .Replace("{documentName}", "v1");
            foreach (var chunked in new[] { false, true })
            {
                var before = Node.TableCounts();
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                request.Headers.Authorization = new("Bearer", Node.AdminToken);
                // 17 bytes declared (one more than BodylessRoutes.MaxBytes), or 2 bytes chunked (length unknown up front).
                request.Content = chunked ? new StreamContent(new MemoryStream("{}"u8.ToArray())) : new StringContent("{\"a\":\"0123456789\"}", Encoding.UTF8);
                request.Headers.TransferEncodingChunked = chunked ? true : null;
                using var r = await Node.Http.SendAsync(request);
                var what = $"{method} {path} ({(chunked ? "chunked" : "Content-Length")})";
                Assert.True(r.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{what}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
                Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
                AssertSecurityHeaders(r, what);
                Assert.Equal(before, Node.TableCounts());
            }
        }

        // Without a body, or with the few bytes some clients send ("{}"), the same routes answer as usual.
        using var head = await Node.Http.GetAsync("/atlas/v1/head");
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        using var empty = new HttpRequestMessage(HttpMethod.Get, "/atlas/v1/head") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        using var emptyAnswer = await Node.Http.SendAsync(empty);
        Assert.Equal(HttpStatusCode.OK, emptyAnswer.StatusCode);
    }

    /// <summary>Issue 15: a query value that does not bind is a 400 problem that names the parameter.</summary>
    [Theory]
    [InlineData("/api/organisations?page=abc", "page")]
    [InlineData("/atlas/v1/changes?after=x", "after")]
    [InlineData("/atlas/v1/changes?limit=1e3", "limit")]
    [InlineData("/api/admin/audit?before=yesterday", "before")]
    public async Task Query_binding_errors_name_the_parameter(string path, string parameter)
    {
        using var r = await Node.SendAsync(HttpMethod.Get, path, Node.AdminToken);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)r.StatusCode} {text}");
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var detail = JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString() ?? "";
        // "Failed to bind parameter "int? after" from "x"." ([AsParameters] name it as the property: "Page").
        Assert.Contains($" {parameter}\"", detail, StringComparison.OrdinalIgnoreCase);
        AssertSecurityHeaders(r, path);
    }

    /// <summary>Issue 15: what Kestrel refuses before the application runs (a malformed request line, a NUL in the path,
    /// a request line or headers too large) cannot carry the application's headers: Kestrel writes these answers itself
    /// with no hook. They carry no body at all (Content-Length: 0, no Content-Type: nothing a browser could render,
    /// sniff or frame), no Server header, and close the connection. docs/reliability.md says so.</summary>
    [Theory]
    [InlineData("malformed request line", "GARBAGE\r\n\r\n", 400)]
    [InlineData("NUL in the path", "GET /atlas/v1/he\0ad HTTP/1.1\r\nHost: x\r\n\r\n", 400)]
    [InlineData("request line too long", "GET /{long} HTTP/1.1\r\nHost: x\r\n\r\n", 414)]
    [InlineData("headers too large", "GET /atlas/v1/head HTTP/1.1\r\nHost: x\r\nX-Big: {long}\r\n\r\n", 431)]
    public async Task Refusals_kestrel_makes_before_the_app_have_no_body_and_close(string name, string raw, int status)
    {
        var bytes = Encoding.Latin1.GetBytes(raw.Replace("{long}", new string('a', 40_000), StringComparison.Ordinal));
        var address = Node.Http.BaseAddress!;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        stream.ReadTimeout = 10_000;
        await stream.WriteAsync(bytes);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var answer = await reader.ReadToEndAsync(timeout.Token); // ends because Kestrel closes the connection

        var lines = answer.Split("\r\n");
        Assert.True(lines[0].StartsWith($"HTTP/1.1 {status} ", StringComparison.Ordinal), $"{name}: {lines[0]}");
        var headers = lines.Skip(1).TakeWhile(l => l.Length > 0).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].ToLowerInvariant(), p => p[1].Trim());
        Assert.Equal("0", headers["content-length"]);
        Assert.Equal("close", headers["connection"]);
        Assert.False(headers.ContainsKey("content-type"), $"{name}: {answer}");
        Assert.False(headers.ContainsKey("server"), $"{name}: {answer}");
        Assert.EndsWith("\r\n\r\n", answer);
    }

    internal static void AssertSecurityHeaders(HttpResponseMessage r, string what)
    {
        string? One(string h) => r.Headers.TryGetValues(h, out var v) ? string.Join(",", v) : null;
        Assert.True(One("X-Content-Type-Options") == "nosniff", $"{what} ({(int)r.StatusCode}): X-Content-Type-Options missing");
        Assert.True(One("Referrer-Policy") == "no-referrer", $"{what} ({(int)r.StatusCode}): Referrer-Policy missing");
        Assert.True(One("Content-Security-Policy")?.Contains("default-src 'none'") == true, $"{what} ({(int)r.StatusCode}): CSP missing");
        Assert.True(One("X-Frame-Options") == "DENY", $"{what} ({(int)r.StatusCode}): X-Frame-Options missing");
        Assert.False(r.Headers.Contains("Server"), $"{what}: Server header present");
    }
}

/// <summary>A whole admin session (tokens made by CLI and API, authenticated reads and writes, a takedown, key
/// rotation by API and CLI, revocation, a backup) at Debug log level: no bearer token, token hash or private key
/// material appears in anything the node printed.</summary>
public sealed class SecretsInLogsTests
{
    [Fact]
    public async Task No_token_token_hash_or_private_key_reaches_the_logs()
    {
        await using var node = await HostileNode.CreateAsync("secrets", new Dictionary<string, string?>
        {
            ["Logging__LogLevel__Default"] = "Trace",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
        });
        var secrets = new List<string> { node.AdminToken, node.EditorToken };
        var created = await node.JsonAsync(HttpMethod.Post, "/api/admin/tokens", node.AdminToken, new { name = "api made", role = "editor" }, HttpStatusCode.Created);
        secrets.Add(created.GetProperty("token").GetString()!);
        var id = await node.SubmitAndApproveAsync(Orgs.Make("Logged org", contacts: [new { kind = "phone", value = "+49 30 1234567", visibility = "hidden" }]));
        await node.JsonAsync(HttpMethod.Get, "/api/admin/audit", node.AdminToken);
        using (var wrong = await node.SendAsync(HttpMethod.Get, "/api/admin/tokens", secrets[^1]))
        {
            Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        }

        using (var bad = await node.SendAsync(HttpMethod.Get, "/api/admin/tokens", "atlas_guessed_" + new string('z', 20)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        }

        await node.JsonAsync(HttpMethod.Post, "/api/admin/keys/rotate", node.AdminToken);
        using (var takedown = await node.SendAsync(HttpMethod.Post, $"/api/admin/organisations/{id}/takedown", node.EditorToken))
        {
            Assert.Equal(HttpStatusCode.OK, takedown.StatusCode);
        }

        // Every private key file that ever existed, read before the CLI deletes a revoked one.
        var keyFiles = Directory.GetFiles(Path.Combine(node.DataDir, "keys"), "*.pem").Select(File.ReadAllText).ToList();
        await node.KillAsync();
        var kidToRevoke = node.Column("SELECT kid FROM node_keys WHERE role = 'signing' AND status = 'retired'").First();
        await node.CliAsync("keys", "revoke", kidToRevoke);
        await node.CliAsync("keys", "rotate-root");
        secrets.Add((await node.CliAsync("token", "create", "--role", "admin", "--name", "cli made")).StandardOutput.Trim());
        await node.CliAsync("backup", "--out", node.Temp.Combine("backup.db"));
        await node.StartAsync();
        await node.JsonAsync(HttpMethod.Get, "/api/admin/tokens", secrets[^1]);
        keyFiles.AddRange(Directory.GetFiles(Path.Combine(node.DataDir, "keys"), "*.pem").Select(File.ReadAllText));
        await Task.Delay(1500); // the head worker and the notify worker log too

        var serverLog = node.ServerOutput;
        Assert.True(serverLog.Length > 1000, "the node printed almost nothing; the check would be empty");
        // The CLI prints a new token once on stdout by design (that is how the operator receives it); nothing else may.
        var cliLog = string.Join('\n', node.CliRuns.Select(r => r.Command.StartsWith("token create", StringComparison.Ordinal)
            ? r.Result.StandardError
            : r.Result.StandardOutput + r.Result.StandardError));
        var log = serverLog + "\n" + cliLog;
        var hashes = node.Column("SELECT hash FROM tokens");
        Assert.Equal(secrets.Count, hashes.Count);
        foreach (var secret in secrets.Concat(hashes))
        {
            Assert.False(log.Contains(secret, StringComparison.Ordinal), $"a token or token hash appears in the log: {secret[..10]}…");
        }

        Assert.DoesNotContain("atlas_", serverLog.Replace("atlas_guessed", "", StringComparison.Ordinal).Replace("atlas_signatures", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", log, StringComparison.Ordinal);
        foreach (var pem in keyFiles)
        {
            var body = pem.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)).ToList();
            Assert.All(body, line => Assert.DoesNotContain(line, log, StringComparison.Ordinal));
        }

        Assert.DoesNotContain("+49 30 1234567", log, StringComparison.Ordinal);
    }
}
