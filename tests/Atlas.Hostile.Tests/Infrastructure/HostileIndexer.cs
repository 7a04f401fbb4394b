using System.Net.Http.Headers;
using System.Text.Json;
using Atlas.TestKit.Processes;

namespace Atlas.Hostile.Tests.Infrastructure;

/// <summary>
/// A real indexer process (<c>Atlas.Indexer.dll</c>) over its own SQLite file, writing into its own index of a real
/// Meilisearch. CLI commands run to completion; <see cref="StartAsync"/> runs <c>run</c> on a free 127.0.0.1 port.
/// </summary>
public sealed class HostileIndexer : IAsyncDisposable
{
    private readonly TempDirectory _dir = new("atlas-hostile-indexer");

    public HostileIndexer(MeilisearchProcess meili, IReadOnlyDictionary<string, string?>? settings = null)
    {
        Meili = meili;
        Index = MeilisearchFixture.NewIndexUid("hostile");
        Env = new Dictionary<string, string?>
        {
            ["Indexer__Database"] = _dir.Combine("indexer.db"),
            ["Indexer__MeilisearchUrl"] = meili.Url.ToString().TrimEnd('/'),
            ["Indexer__MeilisearchKey"] = meili.MasterKey,
            ["Indexer__Index"] = Index,
            ["Indexer__PollInterval"] = "00:00:01",
            ["Indexer__FlushInterval"] = "00:00:00.200",
            ["Indexer__RequestTimeout"] = "00:00:03",
            ["Indexer__PeerTimeout"] = "00:00:10",
            ["Indexer__PushPermitsPerMinute"] = "1000",
            ["DOTNET_NOLOGO"] = "1",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            Env[k] = v;
        }

        Url = FreePort.NextLoopbackUrl();
        Search = meili.CreateHttpClient();
    }

    public MeilisearchProcess Meili { get; }

    public string Index { get; }

    public Dictionary<string, string?> Env { get; }

    public Uri Url { get; }

    public ProcessHost? Host { get; private set; }

    private HttpClient Search { get; set; }

    public async Task<ProcessResult> CliAsync(string[] args, bool allowFailure = false)
    {
        var spec = ProcessSpec.Dotnet(RepoPaths.IndexerDll, args).WithEnvironment(Env) with { Name = "indexer cli" };
        var result = await ProcessHost.RunToExitAsync(spec, TimeSpan.FromSeconds(90));
        Assert.True(allowFailure || result.ExitCode == 0, $"indexer {string.Join(' ', args)} failed: {result}");
        return result;
    }

    public Task<ProcessResult> AddPeerAsync(Uri baseUrl, string rootKid) =>
        CliAsync(["peers", "add", baseUrl.ToString().TrimEnd('/'), "--root", rootKid]);

    public async Task<string> StatusAsync() => (await CliAsync(["status"])).StandardOutput;

    public async Task<string> AlertsAsync() => (await CliAsync(["alerts"])).StandardOutput;

    /// <summary>The indexer's state database (SQLite; <c>-wal</c> and <c>-shm</c> next to it).</summary>
    public string DatabasePath => Env["Indexer__Database"]!;

    /// <summary>Starts <c>run</c>; with <paramref name="fileSizeLimitKb"/> under <c>ulimit -f</c> (SIGXFSZ ignored, so a
    /// write past the limit fails with EFBIG like a full disk instead of killing the process).</summary>
    public async Task StartAsync(long? fileSizeLimitKb = null)
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        string[] run = [RepoPaths.IndexerDll, "run", "--urls", Url.ToString().TrimEnd('/')];
        // W^X double-maps JIT code through a memfd sized with ftruncate, which RLIMIT_FSIZE would refuse at start-up.
        var spec = (fileSizeLimitKb is { } kb
            ? new ProcessSpec("bash", ["-c", $"trap '' XFSZ; ulimit -f {kb}; exec \"$0\" \"$@\"", DotnetHost.Path, .. run]).WithEnvironment("DOTNET_EnableWriteXorExecute", "0")
            : new ProcessSpec(DotnetHost.Path, run)).WithEnvironment(Env) with { Name = "indexer" };
        Host = ProcessHost.Start(spec);
        await Host.WaitForHttpReadyAsync(new Uri(Url, "/health/live"), TimeSpan.FromSeconds(45));
    }

    public async Task KillAsync()
    {
        if (Host is not null)
        {
            await Host.KillAsync(hard: true);
            await Host.DisposeAsync();
            Host = null;
        }
    }

    /// <summary>Every document of this indexer's index (empty when the index does not exist yet).</summary>
    public async Task<List<JsonElement>> DocumentsAsync()
    {
        Search.Dispose();
        Search = Meili.CreateHttpClient();
        using var r = await Search.GetAsync($"indexes/{Index}/documents?limit=10000");
        if (r.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return [];
        }

        r.EnsureSuccessStatusCode();
        var root = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
        return [.. root.GetProperty("results").EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>Same as <see cref="DocumentsAsync"/> but a Meilisearch that is down or restarting counts as "not yet".</summary>
    public async Task<List<JsonElement>?> TryDocumentsAsync()
    {
        try
        {
            return await DocumentsAsync();
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    public static string ListingId(JsonElement doc) => doc.GetProperty("listing_id").GetString()!;

    public async Task<HttpResponseMessage> PostJoseAsync(string path, string jws)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(15) };
        var content = new StringContent(jws);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/jose");
        return await http.PostAsync(path, content);
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        Search.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
