using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Atlas.Protocol.Verification;

namespace Atlas.Api.Tests.Infrastructure;

// Stand-in for tests/Atlas.TestKit (branch kit): repo paths, free ports, temp dirs, real node processes.
// Swap for the kit's ProcessHost/FreePort/TempDirectory/RepoPaths once it lands in main.

public static class Repo
{
    public static readonly string Root = FindRoot();
    public static string ApiDll => Path.Combine(Root, "artifacts", "bin", "Atlas.Api", "debug", "Atlas.Api.dll");
    public static string Path_(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) && Directory.Exists(Path.Combine(dir.FullName, "api")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Repository root not found above " + AppContext.BaseDirectory);
    }
}

public static class FreePort
{
    public static int Next()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("atlas-api-test-").FullName;
    public string Combine(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

public static class Proc
{
    /// <summary>Runs a process to completion with a bounded wait; kills it if it overruns.</summary>
    public static async Task<ProcessResult> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time.");
        }
        return new ProcessResult(p.ExitCode, await stdout, await stderr);
    }

    public static Task<ProcessResult> Cli(params string[] args) => RunAsync("dotnet", [Repo.ApiDll, .. args]);
}

/// <summary>A real node: <c>init</c> through the CLI, admin and editor tokens, then <c>serve</c> on 127.0.0.1.</summary>
public class TestNode : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private Process? _process;
    private readonly StringBuilder _log = new();

    public TestNode()
        : this("berlin")
    {
    }

    protected TestNode(string nodeId, IDictionary<string, string>? env = null)
    {
        NodeId = nodeId;
        Env = new Dictionary<string, string>(env ?? new Dictionary<string, string>());
        Env.TryAdd("RateLimiting__Submissions__PermitLimit", "10000");
    }

    public string NodeId { get; }
    public Dictionary<string, string> Env { get; }
    public int Port { get; private set; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    public string DataDir => _dir.Combine("data");
    public TempDir Temp => _dir;
    public string RootKid { get; private set; } = "";
    public string AdminToken { get; private set; } = "";
    public string EditorToken { get; private set; } = "";
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };
    public string Log => _log.ToString();

    public async Task InitializeAsync()
    {
        Port = FreePort.Next();
        var init = await Proc.Cli("init", "--data", DataDir, "--node-id", NodeId, "--name", $"Atlas {NodeId}", "--base-url", BaseUrl, "--region", "test");
        Assert.True(init.ExitCode == 0, init.Stderr);
        RootKid = init.Stdout.Split('\n').Single(l => l.StartsWith("root-kid: ", StringComparison.Ordinal))["root-kid: ".Length..].Trim();
        AdminToken = (await Cli("token", "create", "--role", "admin", "--name", "test-admin")).Trim();
        EditorToken = (await Cli("token", "create", "--role", "editor", "--name", "test-editor")).Trim();
        await StartAsync();
    }

    /// <summary>Runs a CLI command against this node's data directory and returns stdout (asserting success).</summary>
    public async Task<string> Cli(params string[] args)
    {
        var r = await Proc.Cli([.. args, "--data", DataDir]);
        Assert.True(r.ExitCode == 0, $"CLI {string.Join(' ', args)} failed: {r.Stderr}");
        return r.Stdout;
    }

    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Repo.ApiDll, "serve", "--data", DataDir, "--urls", BaseUrl })
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in Env)
        {
            psi.Environment[k] = v;
        }
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Node exited with {_process.ExitCode}: {Log}");
            }
            try
            {
                using var r = await Http.GetAsync($"{BaseUrl}/health/live");
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        await StopAsync();
        throw new TimeoutException($"Node did not become ready: {Log}");
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        Http.Dispose();
        _dir.Dispose();
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
