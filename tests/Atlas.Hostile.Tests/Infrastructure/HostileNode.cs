using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Atlas.TestKit.Processes;
using Microsoft.Data.Sqlite;

namespace Atlas.Hostile.Tests.Infrastructure;

/// <summary>
/// A real node process (<c>Atlas.Api.dll</c>) on 127.0.0.1 over its own data directory: <c>init</c>, an admin and an
/// editor token through the CLI, then <c>serve</c> under <see cref="ProcessHost"/>. Can be killed (SIGKILL), restarted
/// on the same data and port, or started under a file-size limit. Disposing kills the process and deletes the data.
/// </summary>
public sealed class HostileNode : IAsyncDisposable
{
    private readonly TempDirectory _dir = new("atlas-hostile-node");
    private readonly List<string> _serverLog = [];
    private readonly List<(string Command, ProcessResult Result)> _cliRuns = [];

    private HostileNode(string nodeId, Uri url, Dictionary<string, string?> env)
    {
        NodeId = nodeId;
        Url = url;
        Env = env;
        Http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string NodeId { get; }

    /// <summary>Where the node listens (always 127.0.0.1).</summary>
    public Uri Url { get; }

    /// <summary>The base URL the node publishes in its descriptor (its own URL unless a proxy fronts it).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public Dictionary<string, string?> Env { get; }

    public string DataDir => _dir.Combine("data");

    public string DbPath => Path.Combine(DataDir, "atlas.db");

    public TempDirectory Temp => _dir;

    public string RootKid { get; private set; } = "";

    /// <summary>Every root kid <c>init</c> printed, in order (one unless created with <c>--roots N</c>).</summary>
    public IReadOnlyList<string> RootKids { get; private set; } = [];

    public string SigningKid { get; private set; } = "";

    public string AdminToken { get; private set; } = "";

    public string EditorToken { get; private set; } = "";

    public HttpClient Http { get; }

    public ProcessHost? Host { get; private set; }

    /// <summary>Every output line of every run of the server (earlier runs included), for the no-secrets-in-logs check.</summary>
    public string ServerOutput
    {
        get
        {
            lock (_serverLog)
            {
                return string.Join('\n', _serverLog.Concat(Host?.Output.Snapshot() ?? []));
            }
        }
    }

    /// <summary>Every CLI command run on this node with its result.</summary>
    public IReadOnlyList<(string Command, ProcessResult Result)> CliRuns
    {
        get
        {
            lock (_cliRuns)
            {
                return [.. _cliRuns];
            }
        }
    }

    public static async Task<HostileNode> CreateAsync(
        string nodeId = "berlin",
        IReadOnlyDictionary<string, string?>? env = null,
        Uri? publicBaseUrl = null,
        bool start = true,
        IReadOnlyList<string>? initArgs = null)
    {
        var merged = new Dictionary<string, string?>
        {
            ["RateLimiting__Submissions__PermitLimit"] = "100000",
            // These tests post the API directly; the proof of work has its own tests (Atlas.Api.Tests SubmissionAbuseTests).
            ["ProofOfWork__Bits"] = "0",
            ["Node__HeadCheckSeconds"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
        {
            merged[k] = v;
        }

        var node = new HostileNode(nodeId, FreePort.NextLoopbackUrl(), merged);
        try
        {
            node.BaseUrl = publicBaseUrl ?? node.Url;
            var init = await node.CliAsync(["init", "--node-id", nodeId, "--name", $"Atlas {nodeId}", "--base-url", node.BaseUrl.ToString().TrimEnd('/'), "--region", "test", .. initArgs ?? []], allowFailure: false);
            // "root-kid: KID" or, for roots written to files, "root-kid: KID FILE".
            node.RootKids = [.. init.StandardOutput.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("root-kid: ", StringComparison.Ordinal)).Select(l => l["root-kid: ".Length..].Split(' ')[0])];
            node.RootKid = node.RootKids[0];
            node.SigningKid = Line(init.StandardOutput, "signing-kid: ");
            node.AdminToken = (await node.CliAsync("token", "create", "--role", "admin", "--name", "hostile-admin")).StandardOutput.Trim();
            node.EditorToken = (await node.CliAsync("token", "create", "--role", "editor", "--name", "hostile-editor")).StandardOutput.Trim();
            if (start)
            {
                await node.StartAsync();
            }

            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a CLI command on this node's data directory; asserts exit code 0 unless <paramref name="allowFailure"/>.</summary>
    public async Task<ProcessResult> CliAsync(string[] args, bool allowFailure, TimeSpan? timeout = null)
    {
        var spec = ProcessSpec.Dotnet(RepoPaths.ApiDll, [.. args, "--data", DataDir]).WithEnvironment(Env) with { Name = $"{NodeId} cli" };
        var result = await ProcessHost.RunToExitAsync(spec, timeout ?? TimeSpan.FromSeconds(90));
        lock (_cliRuns)
        {
            _cliRuns.Add((string.Join(' ', args), result));
        }

        Assert.True(allowFailure || result.ExitCode == 0, $"CLI {string.Join(' ', args)} failed: {result}");
        return result;
    }

    public Task<ProcessResult> CliAsync(params string[] args) => CliAsync(args, allowFailure: false);

    /// <summary>Starts <c>serve</c>; with <paramref name="fileSizeLimitKb"/> under <c>ulimit -f</c> (SIGXFSZ ignored, so
    /// a write past the limit fails with EFBIG like a full disk instead of killing the process).</summary>
    public async Task StartAsync(long? fileSizeLimitKb = null)
    {
        if (Host is not null)
        {
            lock (_serverLog)
            {
                _serverLog.AddRange(Host.Output.Snapshot());
            }

            await Host.DisposeAsync();
            Host = null;
        }

        string[] serve = [RepoPaths.ApiDll, "serve", "--data", DataDir, "--urls", Url.ToString().TrimEnd('/')];
        // W^X double-maps JIT code through a memfd sized with ftruncate, which RLIMIT_FSIZE would refuse at start-up.
        var spec = fileSizeLimitKb is { } kb
            ? new ProcessSpec("bash", ["-c", $"trap '' XFSZ; ulimit -f {kb}; exec \"$0\" \"$@\"", DotnetHost.Path, .. serve]).WithEnvironment("DOTNET_EnableWriteXorExecute", "0")
            : new ProcessSpec(DotnetHost.Path, serve);
        Host = ProcessHost.Start(spec.WithEnvironment(Env) with { Name = $"node {NodeId}" });
        await Host.WaitForHttpReadyAsync(new Uri(Url, "/health/ready"), TimeSpan.FromSeconds(45));
    }

    /// <summary>kill -9: no graceful shutdown.</summary>
    public async Task KillAsync()
    {
        if (Host is not null)
        {
            await Host.KillAsync(hard: true);
            lock (_serverLog)
            {
                _serverLog.AddRange(Host.Output.Snapshot());
            }

            await Host.DisposeAsync();
            Host = null;
        }
    }

    public HttpRequestMessage Request(HttpMethod method, string path, string? token = null, object? json = null, string? body = null, string contentType = "application/json")
    {
        var m = new HttpRequestMessage(method, path);
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
            m.Content = new StringContent(body, Encoding.UTF8);
            m.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return m;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token = null, object? json = null, string? body = null, string contentType = "application/json")
    {
        using var request = Request(method, path, token, json, body, contentType);
        return await Http.SendAsync(request);
    }

    public async Task<JsonElement> JsonAsync(HttpMethod method, string path, string? token = null, object? json = null, HttpStatusCode expect = HttpStatusCode.OK)
    {
        using var r = await SendAsync(method, path, token, json);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == expect, $"{method} {path}: expected {(int)expect}, got {(int)r.StatusCode}: {text}\n{Host?.Describe("log")}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Creates and publishes an organisation through the editor API; returns the listing id.</summary>
    public async Task<string> PublishAsync(object organisation)
    {
        var published = await JsonAsync(HttpMethod.Post, "/api/admin/organisations", EditorToken, organisation);
        return published.GetProperty("id").GetString()!;
    }

    /// <summary>Submission then approval, as an initiative would.</summary>
    public async Task<string> SubmitAndApproveAsync(object organisation)
    {
        var sub = await JsonAsync(HttpMethod.Post, "/api/submissions", json: new { organisation }, expect: HttpStatusCode.Accepted);
        var published = await JsonAsync(HttpMethod.Post, $"/api/admin/submissions/{sub.GetProperty("id").GetInt64()}/approve", EditorToken);
        return published.GetProperty("id").GetString()!;
    }

    /// <summary>A read-only query on the node's database file (safe while the node runs: WAL).</summary>
    public T Scalar<T>(string sql)
    {
        using var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public List<string> Column(string sql)
    {
        using var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetValue(0).ToString()!);
        }

        return values;
    }

    /// <summary>Row counts of every table that a request could write to: the "no partial write" fingerprint.</summary>
    public string TableCounts() =>
        string.Join(' ', new[] { "submissions", "listings", "listing_versions", "tokens", "audit" }
            .Select(t => $"{t}={Scalar<long>($"SELECT count(*) FROM {t}")}"));

    public async ValueTask DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        Http.Dispose();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private static string Line(string text, string prefix) =>
        text.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..].Trim();
}

/// <summary>Organisation bodies as the node's API takes them.</summary>
public static class Orgs
{
    public static object Make(string name, string city = "Berlin", string country = "DE", object[]? contacts = null, string? description = null) => new
    {
        name = new Dictionary<string, string> { ["en"] = name, ["ru"] = "Инициатива " + name },
        description = new Dictionary<string, string> { ["en"] = description ?? "Helps people who left." },
        focus = new[] { "legal-aid" },
        languages = new[] { "ru", "en" },
        locations = new object[] { new { kind = "physical", city, country } },
        contacts = contacts ?? [new { kind = "email", value = "help@example.org", visibility = "public", press = false }],
    };
}
