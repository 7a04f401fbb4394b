using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Atlas.Protocol.Verification;

namespace Atlas.Api.Tests.Infrastructure;

/// <summary>A real node for a test class: TestKit's <see cref="NodeProcess"/> (<c>init</c>, then <c>serve</c> on
/// 127.0.0.1) with an admin and an editor token, plus the HTTP helpers the API tests share.</summary>
public class TestNode : IAsyncLifetime
{
    private NodeProcess? _node;

    public TestNode()
        : this("berlin")
    {
    }

    protected TestNode(string nodeId, IDictionary<string, string>? env = null)
    {
        NodeId = nodeId;
        Env = (env ?? new Dictionary<string, string>()).ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        Env.TryAdd("RateLimiting__Submissions__PermitLimit", "10000");
        // Most tests post the API directly; the proof of work is on by default and tested in SubmissionAbuseTests.
        Env.TryAdd("ProofOfWork__Bits", "0");
    }

    public string NodeId { get; }
    public Dictionary<string, string?> Env { get; }
    public NodeProcess Node => _node ?? throw new InvalidOperationException("The node is not initialised.");
    public int Port => Node.Port;
    public string BaseUrl => Node.BaseUrl;
    public string DataDir => Node.DataDir;
    public TempDirectory Temp => Node.Temp;
    public string RootKid => Node.RootKid;
    public string AdminToken { get; private set; } = "";
    public string EditorToken { get; private set; } = "";
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };
    public string Log => Node.Log;

    public async Task InitializeAsync()
    {
        _node = await NodeProcess.InitAsync(new NodeProcessOptions { NodeId = NodeId, Environment = Env });
        AdminToken = await _node.CreateTokenAsync("admin", "test-admin");
        EditorToken = await _node.CreateTokenAsync("editor", "test-editor");
        await _node.StartAsync();
    }

    /// <summary>Runs a CLI command against this node's data directory and returns stdout (throwing unless it succeeds).</summary>
    public Task<string> Cli(params string[] args) => Node.CliOkAsync(args);

    public Task StartAsync() => Node.StartAsync();

    public Task StopAsync() => Node.StopAsync();

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
        Http.Dispose();
    }

    public HttpRequestMessage Request(HttpMethod method, string path, string? token = null, object? json = null, string? body = null)
    {
        var m = new HttpRequestMessage(method, BaseUrl + path);
        if (token is not null)
        {
            m.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (json is not null)
        {
            m.Content = new StringContent(JsonSerializer.Serialize(json), Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            m.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        return m;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token = null, object? json = null, string? body = null) =>
        await Http.SendAsync(Request(method, path, token, json, body));

    public async Task<JsonElement> JsonAsync(HttpMethod method, string path, string? token = null, object? json = null, HttpStatusCode expect = HttpStatusCode.OK)
    {
        using var r = await SendAsync(method, path, token, json);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == expect, $"{method} {path}: expected {expect}, got {(int)r.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task<string> GetStringAsync(string pathOrUrl) => Http.GetStringAsync(pathOrUrl.StartsWith("http", StringComparison.Ordinal) ? pathOrUrl : BaseUrl + pathOrUrl);

    /// <summary>Publishes an organisation the way an initiative would: submission, then editor approval.</summary>
    public async Task<string> SubmitAndApproveAsync(object organisation)
    {
        var sub = await JsonAsync(HttpMethod.Post, "/api/submissions", json: new { organisation }, expect: HttpStatusCode.Accepted);
        var id = sub.GetProperty("id").GetInt64();
        var published = await JsonAsync(HttpMethod.Post, $"/api/admin/submissions/{id}/approve", EditorToken);
        return published.GetProperty("id").GetString()!;
    }

    /// <summary>Trust as an indexer would: descriptor → keyset v1 pinned to the root kid → every later version in order.</summary>
    public async Task<TrustedKeyset> TrustedKeysetAsync()
    {
        var descriptor = JsonSerializer.Deserialize(await GetStringAsync("/.well-known/atlas-node"), ProtocolJsonContext.Default.NodeDescriptor)!;
        var latestPart = await GetStringAsync(descriptor.Links.Keyset);
        var latest = KeysetVerifierLatestVersion(latestPart);
        var trusted = KeysetVerifier.VerifyFirst(await GetStringAsync(descriptor.Links.KeysetVersion.Replace("{version}", "1")), RootKid, DateTimeOffset.UtcNow);
        for (var v = 2; v <= latest; v++)
        {
            trusted = KeysetVerifier.VerifyNext(trusted, await GetStringAsync(descriptor.Links.KeysetVersion.Replace("{version}", v.ToString())), DateTimeOffset.UtcNow);
        }
        Assert.Equal(latestPart, trusted.RawJson);
        return trusted;
    }

    public static long KeysetVerifierLatestVersion(string generalJws)
    {
        var payload = JsonDocument.Parse(generalJws).RootElement.GetProperty("payload").GetString()!;
        var bytes = Atlas.Protocol.Signing.Base64Url.Decode(payload);
        return JsonDocument.Parse(bytes).RootElement.GetProperty("version").GetInt64();
    }

    public async Task<ChangePage> ChangesAsync(string query = "") =>
        JsonSerializer.Deserialize(await GetStringAsync("/atlas/v1/changes" + query), ProtocolJsonContext.Default.ChangePage)!;
}

public static class Samples
{
    public static object Org(string name = "Test Initiative", string city = "Berlin", string country = "DE", object[]? contacts = null, string[]? focus = null) => new
    {
        name = new Dictionary<string, string> { ["en"] = name, ["ru"] = "Тестовая инициатива" },
        description = new Dictionary<string, string> { ["en"] = "Helps people who left." },
        focus = focus ?? ["legal-aid", "relocation"],
        languages = new[] { "ru", "en" },
        locations = new object[] { new { kind = "physical", city, country } },
        contacts = contacts ?? [],
    };
}
