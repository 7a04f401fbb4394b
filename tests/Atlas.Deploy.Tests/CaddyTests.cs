using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Atlas.TestKit;
using Atlas.TestKit.Processes;

namespace Atlas.Deploy.Tests;

/// <summary>Static checks of deploy/caddy/Caddyfile (text and `caddy adapt`).</summary>
public class CaddyfileTests
{
    static readonly string CaddyfilePath = Repo.PathOf("deploy", "caddy", "Caddyfile");

    [Fact]
    public void Caddyfile_adapts_with_caddy()
    {
        var caddy = Proc.Require("caddy", "on Debian `apt-get install -y caddy` (only the binary is used, on 127.0.0.1).");
        var r = Proc.Run(caddy, ["adapt", "--config", CaddyfilePath, "--adapter", "caddyfile"],
            timeoutSeconds: 60);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("\"disabled\":true", r.StandardOutput.Replace(" ", ""));   // admin API off
        // Every search is authorised by the pair's indexer (forward_auth): its tenant token, never a key in the proxy.
        Assert.Contains("\"uri\":\"/internal/search-auth\"", r.StandardOutput.Replace(" ", ""));
        Assert.Contains("^/(indexes/organisations(-signed)?/search|multi-search)$", r.StandardOutput);
    }

    /// <summary>Scaling out: with two pairs the search route balances over both pairs' listeners, health-checked on
    /// the indexers' /health/ready, and the push inbox over both indexers.</summary>
    [Fact]
    public void Two_search_pairs_adapt_with_health_checked_upstreams()
    {
        var caddy = Proc.Require("caddy", "on Debian `apt-get install -y caddy` (only the binary is used, on 127.0.0.1).");
        var r = Proc.Run(caddy, ["adapt", "--config", CaddyfilePath, "--adapter", "caddyfile"],
            env: new Dictionary<string, string?> { ["ATLAS_SEARCH_PAIRS"] = "2" }, timeoutSeconds: 60);
        Assert.True(r.ExitCode == 0, r.ToString());
        var json = r.StandardOutput.Replace(" ", "");
        foreach (var dial in new[] { "127.0.0.1:7701", "127.0.0.1:7702", "indexer:8080", "indexer-b:8080", "meilisearch:7700", "meilisearch-b:7700" })
        {
            Assert.Contains($"\"dial\":\"{dial}\"", json);
        }
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(json, "\"uri\":\"/health/ready\"").Count);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(json, "\"uri\":\"/internal/search-auth\"").Count);
        Assert.Contains("\"listen\":[\"127.0.0.1:7702\"]", json);
    }

    [Theory]
    [InlineData("default-src 'none'")]
    [InlineData("script-src 'self'")]
    [InlineData("style-src 'self'")]
    [InlineData("img-src 'self' data:")]
    [InlineData("connect-src 'self'")]
    [InlineData("frame-ancestors 'none'")]
    [InlineData("Strict-Transport-Security \"max-age=")]
    [InlineData("X-Content-Type-Options \"nosniff\"")]
    [InlineData("Referrer-Policy \"no-referrer\"")]
    [InlineData("Permissions-Policy \"")]
    public void Security_headers_are_configured(string fragment)
    {
        var text = File.ReadAllText(CaddyfilePath);
        Assert.Contains(fragment, text);
    }

    [Fact]
    public void Csp_has_no_unsafe_sources_and_no_access_log()
    {
        var text = File.ReadAllText(CaddyfilePath);
        Assert.DoesNotContain("unsafe-inline", text);
        Assert.DoesNotContain("unsafe-eval", text);
        Assert.DoesNotMatch(@"(?m)^\s*log\b", text);
        // Both public sites import the header snippet.
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(text, @"import security_headers").Count);
    }
}

/// <summary>
/// Runs the real Caddyfile with caddy on 127.0.0.1 in front of three fake upstreams and checks
/// what is forwarded: only Meilisearch search routes, never the admin routes of Meilisearch or of
/// the node. (Debian's caddy here may be older than the image's; the directives used exist in both.)
/// </summary>
public sealed class CaddyFixture : IAsyncLifetime
{
    /// <summary>What the fake indexer answers GET /internal/search-auth with (its tenant token).</summary>
    public const string Token = "tenant-token-of-the-indexer";
    internal readonly FakeUpstream meili = new();
    internal readonly FakeUpstream node = new();
    internal readonly FakeUpstream indexer = new() { AuthToken = Token };
    readonly TempDirectory stateDir = new("atlas-caddy");
    ProcessHost? caddy;
    int disposed;
    internal readonly int sitePort = FreePort.Next();
    internal readonly int nodePort = FreePort.Next();
    internal readonly int healthPort = FreePort.Next();

    public async Task InitializeAsync()
    {
        var exe = Proc.Require("caddy", "on Debian `apt-get install -y caddy` (only the binary is used, on 127.0.0.1).");
        var site = Directory.CreateDirectory(stateDir.Combine("site")).FullName;
        File.WriteAllText(Path.Combine(site, "index.html"), "<!doctype html><title>atlas</title>");
        File.WriteAllText(Path.Combine(site, "config.json"), "{}");
        caddy = ProcessHost.Start(new ProcessSpec(exe, "run", "--config", Repo.PathOf("deploy", "caddy", "Caddyfile"), "--adapter", "caddyfile")
        {
            Name = "caddy",
            Environment = new Dictionary<string, string?>
            {
                ["HOME"] = stateDir.Path,
                ["XDG_DATA_HOME"] = stateDir.Path,
                ["XDG_CONFIG_HOME"] = stateDir.Path,
                ["ATLAS_SITE_DOMAIN"] = $"http://127.0.0.1:{sitePort}",
                ["ATLAS_NODE_DOMAIN"] = $"http://127.0.0.1:{nodePort}",
                ["ATLAS_HEALTH_ADDR"] = $"127.0.0.1:{healthPort}",
                ["ATLAS_SITE_ROOT"] = site,
                ["ATLAS_MEILI_UPSTREAM"] = $"127.0.0.1:{meili.Port}",
                ["ATLAS_NODE_UPSTREAM"] = $"127.0.0.1:{node.Port}",
                ["ATLAS_INDEXER_UPSTREAM"] = $"127.0.0.1:{indexer.Port}",
                ["ATLAS_PAIR_A_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        });
        try
        {
            await caddy.WaitForHttpReadyAsync(new Uri($"http://127.0.0.1:{healthPort}/healthz"), TimeSpan.FromSeconds(20));
            await caddy.WaitForHttpReadyAsync(new Uri($"http://127.0.0.1:{sitePort}/"), TimeSpan.FromSeconds(20));
            // The search route is load-balanced over health-checked pairs: until Caddy's first active health check
            // has passed (late on a loaded host) it answers 503. Wait for it (bounded), then forget the probes.
            for (var i = 0; i < 100 && Raw.Send(sitePort, "POST", "/search/multi-search", "{}").Status != 200; i++)
            {
                await Task.Delay(200);
            }
            Reset();
        }
        catch
        {
            await DisposeAsync();   // a failed fixture is never disposed by xunit: do not leave caddy running
            throw;
        }
    }

    public void Reset()
    {
        indexer.AuthStatus = 200;
        meili.Clear();
        node.Clear();
        indexer.Clear();
    }

    public async Task DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        try
        {
            if (caddy is not null)
            {
                await caddy.DisposeAsync();
            }
        }
        finally
        {
            meili.Dispose();
            node.Dispose();
            indexer.Dispose();
            stateDir.Dispose();
        }
    }
}

public sealed class CaddyProxyTests : IClassFixture<CaddyFixture>
{
    const string Token = CaddyFixture.Token;
    readonly FakeUpstream meili;
    readonly FakeUpstream node;
    readonly FakeUpstream indexer;
    readonly int sitePort;
    readonly int nodePort;

    public CaddyProxyTests(CaddyFixture f)
    {
        f.Reset();   // tests of one class run one after another: each starts with empty upstream logs
        (meili, node, indexer, sitePort, nodePort) = (f.meili, f.node, f.indexer, f.sitePort, f.nodePort);
    }

    [Theory]
    [InlineData("/search/indexes/organisations/search", "/indexes/organisations/search")]
    [InlineData("/search/indexes/organisations-signed/search", "/indexes/organisations-signed/search")]
    [InlineData("/search/multi-search", "/multi-search")]
    public void Search_routes_are_forwarded_with_the_indexers_token_forced(string path, string upstreamPath)
    {
        var asked = indexer.AuthRequests;
        var r = Raw.Send(sitePort, "POST", path, "{\"q\":\"legal\"}",
            ("Authorization", "Bearer stolen-master-key"), ("Cookie", "a=b"));
        Assert.Equal(200, r.Status);
        var seen = Assert.Single(meili.Requests);
        Assert.Equal("POST", seen.Method);
        Assert.Equal(upstreamPath, seen.Path);
        Assert.Equal("Bearer " + Token, seen.Authorization);
        Assert.Null(seen.Cookie);
        Assert.Empty(node.Requests);
        Assert.Empty(indexer.Requests);
        Assert.True(indexer.AuthRequests > asked, "the indexer was not asked for the search's token");
    }

    /// <summary>No token, no search: when the indexer cannot authorise (not ready, exclusions not loaded), the search
    /// fails instead of reaching Meilisearch without the takedown filter.</summary>
    [Fact]
    public void A_search_the_indexer_does_not_authorise_never_reaches_Meilisearch()
    {
        indexer.AuthStatus = 503;
        var r = Raw.Send(sitePort, "POST", "/search/multi-search", "{\"q\":\"legal\"}", ("Authorization", "Bearer stolen-master-key"));
        Assert.Equal(503, r.Status);
        Assert.Empty(meili.Requests);
    }

    [Theory]
    [InlineData("GET", "/search/keys")]
    [InlineData("POST", "/search/keys")]
    [InlineData("DELETE", "/search/keys/abc")]
    [InlineData("GET", "/search/indexes")]
    [InlineData("POST", "/search/indexes")]
    [InlineData("DELETE", "/search/indexes/organisations")]
    [InlineData("POST", "/search/indexes/organisations/documents")]
    [InlineData("PUT", "/search/indexes/organisations/documents")]
    [InlineData("DELETE", "/search/indexes/organisations/documents")]
    [InlineData("PATCH", "/search/indexes/organisations/settings")]
    [InlineData("GET", "/search/indexes/organisations/settings")]
    [InlineData("POST", "/search/dumps")]
    [InlineData("POST", "/search/snapshots")]
    [InlineData("GET", "/search/tasks")]
    [InlineData("DELETE", "/search/tasks")]
    [InlineData("GET", "/search/stats")]
    [InlineData("GET", "/search/version")]
    [InlineData("POST", "/search/swap-indexes")]
    [InlineData("GET", "/search/indexes/organisations/search")]
    [InlineData("POST", "/search/indexes/organisations/facet-search")]
    [InlineData("POST", "/search/indexes/other-index/search")]
    [InlineData("POST", "/search/indexes/organisations-signed/documents")]
    [InlineData("GET", "/search/indexes/organisations-signed/documents/keyset-berlin")]
    [InlineData("POST", "/search/indexes/organisations-signedx/search")]
    [InlineData("POST", "/search/indexes/organisations-signed-signed/search")]
    [InlineData("POST", "/search/indexes/organisations/search/../../../keys")]
    [InlineData("POST", "/search/indexes/organisations/search/%2e%2e/%2e%2e/%2e%2e/keys")]
    [InlineData("POST", "/search//keys")]
    [InlineData("POST", "/search/KEYS")]
    [InlineData("POST", "/search/indexes/organisations/search/x")]
    [InlineData("POST", "/search/multi-search/../keys")]
    [InlineData("POST", "/keys")]
    [InlineData("POST", "/indexes/organisations/documents")]
    public void Meilisearch_admin_and_write_routes_are_blocked(string method, string path)
    {
        var r = Raw.Send(sitePort, method, path, method is "GET" or "DELETE" ? null : "{}");
        Assert.True(r.Status is 404 or 405 or 400, $"{method} {path} -> {r.Status}");
        Assert.Empty(meili.Requests);
    }

    [Fact]
    public void Oversized_search_bodies_are_refused()
    {
        var r = Raw.Send(sitePort, "POST", "/search/multi-search", "{\"q\":\"" + new string('a', 32 * 1024) + "\"}");
        Assert.NotEqual(200, r.Status);
        Assert.True(r.Status >= 400, "status " + r.Status);
        // Refused on the declared Content-Length, before dialing: nothing may reach Meilisearch.
        Thread.Sleep(300);
        Assert.Empty(meili.Requests);
    }

    /// <summary>The limit is 19,999 bytes: a multi-search with the recent index's twins (docs/web.md) is about twice its
    /// queries' size and must pass; one byte more is refused.</summary>
    [Theory]
    [InlineData(19_999, true)]
    [InlineData(20_000, false)]
    public void Search_bodies_up_to_19999_bytes_pass(int size, bool passes)
    {
        var body = "{\"q\":\"" + new string('a', size - 8) + "\"}";
        Assert.Equal(size, System.Text.Encoding.UTF8.GetByteCount(body));
        var r = Raw.Send(sitePort, "POST", "/search/multi-search", body);
        Assert.Equal(passes, r.Status == 200);
        Thread.Sleep(passes ? 0 : 300);
        Assert.Equal(passes ? 1 : 0, meili.Requests.Count);
    }

    [Fact]
    public void Static_site_carries_the_security_headers()
    {
        var r = Raw.Send(sitePort, "GET", "/");
        Assert.Equal(200, r.Status);
        Assert.Equal("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            r.Header("Content-Security-Policy"));
        Assert.StartsWith("max-age=", r.Header("Strict-Transport-Security"));
        Assert.Equal("nosniff", r.Header("X-Content-Type-Options"));
        Assert.Equal("no-referrer", r.Header("Referrer-Policy"));
        Assert.Contains("geolocation=()", r.Header("Permissions-Policy"));
        Assert.Null(r.Header("Server"));
        Assert.Equal(405, Raw.Send(sitePort, "POST", "/index.html", "x").Status);
        Assert.Equal("no-cache", Raw.Send(sitePort, "GET", "/config.json").Header("Cache-Control"));
    }

    [Theory]
    [InlineData("/.well-known/atlas-node")]
    [InlineData("/atlas/v1/feed")]
    [InlineData("/api/organisations")]
    [InlineData("/health/live")]
    public void Node_public_routes_are_forwarded(string path)
    {
        var r = Raw.Send(nodePort, "GET", path);
        Assert.Equal(200, r.Status);
        Assert.Equal(path, Assert.Single(node.Requests).Path);
        Assert.NotNull(r.Header("Content-Security-Policy"));
    }

    [Theory]
    [InlineData("GET", "/api/admin")]
    [InlineData("GET", "/api/admin/tokens")]
    [InlineData("POST", "/api/admin/submissions/1/approve")]
    [InlineData("GET", "/API/ADMIN/tokens")]
    [InlineData("GET", "/api/Admin/tokens")]
    [InlineData("GET", "/api/%61dmin/tokens")]
    [InlineData("GET", "/api/x/../admin/tokens")]
    [InlineData("GET", "/api//admin/tokens")]
    [InlineData("GET", "/api/admin/./tokens")]
    [InlineData("GET", "/health/ready")]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/")]
    public void Node_admin_and_unknown_routes_are_not_forwarded(string method, string path)
    {
        var r = Raw.Send(nodePort, method, path, method == "POST" ? "{}" : null);
        Assert.True(r.Status is 404 or 400, $"{method} {path} -> {r.Status}");
        Assert.DoesNotContain(node.Requests, q => q.Path.Replace("//", "/").Contains("/admin", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(node.Requests);
    }

    [Fact]
    public void Indexer_inbox_accepts_only_posts_to_notify_and_relay()
    {
        Assert.Equal(200, Raw.Send(sitePort, "POST", "/atlas/v1/notify", "{}").Status);
        Assert.Equal(200, Raw.Send(sitePort, "POST", "/atlas/v1/relay", "{}").Status);
        Assert.Equal(["/atlas/v1/notify", "/atlas/v1/relay"], indexer.Requests.Select(q => q.Path).ToArray());
        Raw.Send(sitePort, "GET", "/atlas/v1/notify");
        Raw.Send(sitePort, "POST", "/atlas/v1/status", "{}");
        // The token endpoint is for the pair's listener on loopback only, never routed from the public site.
        var asked = indexer.AuthRequests;
        Assert.Equal(404, Raw.Send(sitePort, "GET", "/internal/search-auth").Status);
        Assert.Equal(asked, indexer.AuthRequests);
        Assert.Equal(2, indexer.Requests.Count);
        Assert.Empty(meili.Requests);
    }
}

/// <summary>Minimal HTTP/1.1 upstream on 127.0.0.1 that records requests and answers 200 {}.</summary>
internal sealed class FakeUpstream : IDisposable
{
    public sealed record Seen(string Method, string Path, string? Authorization, string? Cookie);

    /// <summary>Answer to GET /internal/search-auth (the proxy's forward_auth): this status, with
    /// <c>Authorization: Bearer AuthToken</c> when 200. Counted in <see cref="AuthRequests"/>, not recorded.</summary>
    public string? AuthToken { get; init; }
    public volatile int AuthStatus = 200;
    int authRequests;
    public int AuthRequests => Volatile.Read(ref authRequests);

    readonly HttpListener listener = new();
    readonly ConcurrentQueue<Seen> seen = new();
    public int Port { get; }

    public FakeUpstream()
    {
        Port = FreePort.Next();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        _ = Task.Run(Loop);
    }

    public IReadOnlyList<Seen> Requests => seen.ToArray();

    public void Clear() => seen.Clear();

    async Task Loop()
    {
        while (listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await listener.GetContextAsync();
            }
            catch (Exception) when (!listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            if (AuthToken is not null && ctx.Request.RawUrl?.Split('?')[0] == "/internal/search-auth")
            {
                Interlocked.Increment(ref authRequests);
                ctx.Response.StatusCode = AuthStatus;
                if (AuthStatus == 200)
                {
                    ctx.Response.Headers["Authorization"] = "Bearer " + AuthToken;
                }
                ctx.Response.ContentLength64 = 0;
                ctx.Response.Close();
                continue;
            }
            // Caddy's active health checks of the search pair and of the push inbox are not forwarded traffic.
            if (ctx.Request.RawUrl != "/health/ready")
            {
                seen.Enqueue(new Seen(ctx.Request.HttpMethod, ctx.Request.RawUrl?.Split('?')[0] ?? "",
                    ctx.Request.Headers["Authorization"], ctx.Request.Headers["Cookie"]));
            }
            var body = "{}"u8.ToArray();
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/json";
            ctx.Response.ContentLength64 = body.Length;
            await ctx.Response.OutputStream.WriteAsync(body);
            ctx.Response.Close();
        }
    }

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
    }
}

/// <summary>Raw HTTP/1.1 client: sends the path byte for byte (no dot-segment normalisation).</summary>
internal static class Raw
{
    public sealed record Response(int Status, Dictionary<string, string> Headers)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
    }

    public static Response Send(int port, string method, string path, string? body = null, params (string Name, string Value)[] headers)
    {
        using var client = new TcpClient();
        client.ReceiveTimeout = 10_000;
        client.SendTimeout = 10_000;
        client.Connect(IPAddress.Loopback, port);   // loopback: refused or accepted at once
        using var stream = client.GetStream();
        var bodyBytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        var sb = new StringBuilder();
        sb.Append($"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
        foreach (var (n, v) in headers)
        {
            sb.Append($"{n}: {v}\r\n");
        }
        if (body is not null)
        {
            sb.Append($"Content-Type: application/json\r\nContent-Length: {bodyBytes.Length}\r\n");
        }
        sb.Append("\r\n");
        stream.Write(Encoding.ASCII.GetBytes(sb.ToString()));
        try
        {
            stream.Write(bodyBytes);
        }
        catch (IOException)
        {
            // The proxy may refuse an oversized body before reading it all.
        }
        using var ms = new MemoryStream();
        try
        {
            stream.CopyTo(ms);
        }
        catch (IOException)
        {
        }
        var text = Encoding.ASCII.GetString(ms.ToArray());
        var head = text.Split("\r\n\r\n", 2)[0].Split("\r\n");
        var parts = head[0].Split(' ');
        if (parts.Length < 2 || !int.TryParse(parts[1], out var status))
        {
            throw new InvalidOperationException($"no HTTP status line for {method} {path}: '{head[0]}'");
        }
        var hs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in head.Skip(1))
        {
            var c = line.IndexOf(':');
            if (c > 0)
            {
                hs[line[..c].Trim()] = line[(c + 1)..].Trim();
            }
        }
        return new Response(status, hs);
    }
}
