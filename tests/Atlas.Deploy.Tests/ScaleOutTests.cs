using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Atlas.TestKit;
using Atlas.TestKit.Meilisearch;
using Atlas.TestKit.Processes;

namespace Atlas.Deploy.Tests;

/// <summary>Scaling out (docs/deployment.md "Scaling out") with real processes on 127.0.0.1: one node, two search pairs
/// (an indexer verifying the node's signed feed into its own Meilisearch, twice) behind the real Caddyfile with
/// ATLAS_SEARCH_PAIRS=2. The node pushes to the public inbox only, which reaches one indexer; that indexer forwards to
/// its sibling. One pair is killed (SIGKILL, both processes) in the middle of a stream of searches: every search is
/// still answered, and once the pair is back both indexes hold the same documents.</summary>
public sealed class ScaleOutTests
{
    private const string Index = "organisations";

    [Fact]
    public async Task Search_keeps_answering_when_a_pair_dies_and_both_indexes_converge()
    {
        using var temp = new TempDirectory("atlas-scale");
        var masterKey = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        // Ports the others must know in advance; Caddy's own listeners get theirs when it starts.
        int sitePort = FreePort.Next(), indexerA = FreePort.Next(), indexerB = FreePort.Next();
        var inbox = $"http://127.0.0.1:{sitePort}";

        await using var node = await NodeProcess.InitAsync(new NodeProcessOptions
        {
            Environment = new Dictionary<string, string?> { ["Node__NotifyUrls__0"] = inbox, ["Node__HeadCheckSeconds"] = "1" },
        });
        var editor = await node.CreateTokenAsync("editor", "scale-editor");
        await node.StartAsync(waitReady: true);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await Publish(http, node, editor, $"Scale Pair Initiative {i}"));
        }

        await using var meiliA = await MeilisearchProcess.StartAsync(new MeilisearchProcessOptions { MasterKey = masterKey });
        await using var meiliB = await MeilisearchProcess.StartAsync(new MeilisearchProcessOptions { MasterKey = masterKey });
        var settingsA = Settings(temp.Combine("a.db"), meiliA, masterKey, $"http://127.0.0.1:{indexerB}");
        var settingsB = Settings(temp.Combine("b.db"), meiliB, masterKey, $"http://127.0.0.1:{indexerA}");
        foreach (var settings in new[] { settingsA, settingsB })
        {
            var add = await IndexerProcess.RunCliAsync(settings, "peers", "add", node.BaseUrl, "--root", node.RootKid);
            Assert.True(add.ExitCode == 0, add.ToString());
        }
        // Every pair gives the same search-only key (same master key, uid derived from the index): the key both indexers
        // sign their tenant tokens with, so either pair's token works on either Meilisearch (the proxy holds no key).
        var keyA = (await IndexerProcess.RunCliAsync(settingsA, "search-key")).StandardOutput.Trim();
        var keyB = (await IndexerProcess.RunCliAsync(settingsB, "search-key")).StandardOutput.Trim();
        Assert.Matches("^[0-9a-f]{64}$", keyA);
        Assert.Equal(keyA, keyB);
        Assert.Equal(keyA, (await IndexerProcess.RunCliAsync(settingsA, "search-key")).StandardOutput.Trim());

        var a = await IndexerProcess.StartAsync(settingsA, IndexerWait.Ready, indexerA);
        await using var b = await IndexerProcess.StartAsync(settingsB, IndexerWait.Ready, indexerB);
        await using var caddy = await StartCaddy(temp, sitePort, meiliA.Port, meiliB.Port, indexerA, indexerB, node.Port);
        try
        {
            await Converged(meiliA, meiliB, expected: 6);

            // A takedown pushed to the public inbox reaches ONE indexer; the sibling learns it by forwarding (the poll
            // interval is 10 minutes, so nothing else could explain it).
            await Send(http, HttpMethod.Post, node, $"/api/admin/organisations/{ids[0]}/takedown", editor);
            await Converged(meiliA, meiliB, expected: 5);

            using var stop = new CancellationTokenSource();
            var stream = SearchStream(sitePort, stop.Token);
            await Task.Delay(1500);
            // The pair dies at once (a host failure): no graceful stop of either process.
            var killedAt = DateTime.UtcNow;
            await a.KillAsync();
            await meiliA.KillAsync();
            await Task.Delay(2500);
            await Send(http, HttpMethod.Put, node, $"/api/admin/organisations/{ids[1]}", editor, Org("Scale Pair Initiative 1 renamed"));
            await Send(http, HttpMethod.Post, node, $"/api/admin/organisations/{ids[2]}/takedown", editor);
            await Poll.UntilAsync(async () => (await Docs(meiliB)).Count == 4, "pair B applies the takedown pushed while A is down", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
            await Task.Delay(1500);

            var restartedAt = DateTime.UtcNow;
            await meiliA.RestartAsync();
            await a.DisposeAsync();
            a = await IndexerProcess.StartAsync(settingsA, IndexerWait.Ready, indexerA);
            // One more change: its push reaches one pair and is forwarded to the other; both pass to the newest head.
            await Send(http, HttpMethod.Put, node, $"/api/admin/organisations/{ids[3]}", editor, Org("Scale Pair Initiative 3 renamed"));
            await Converged(meiliA, meiliB, expected: 4);
            await Task.Delay(1500);
            stop.Cancel();
            var (answered, failures) = await stream;
            // Known limit (docs/deployment.md "Scaling out"): a search in flight at the moment its pair dies or comes back
            // can fail once with Debian's Caddy 2.6 (it cannot retry a POST whose connection broke mid-request); every
            // other search must be answered: at most one failure for the kill and one for the restart.
            Assert.True(failures.Count <= 2, $"{failures.Count} of {answered + failures.Count} searches failed (pair killed {killedAt:HH:mm:ss.fff}, restarted {restartedAt:HH:mm:ss.fff}): {string.Join("; ", failures.Take(5))}");
            Assert.True(answered >= 20, $"only {answered} searches were made");

            // What the map site gets through the proxy (each pair's tenant token): the four listings left.
            var found = await SearchNames(sitePort);
            Assert.Equal(4, found.Count);
            Assert.DoesNotContain(found, n => n.Contains("Initiative 0", StringComparison.Ordinal) || n.Contains("Initiative 2", StringComparison.Ordinal));

            var names = (await Docs(meiliA)).Select(d => d.GetProperty("name").ToString()).ToList();
            Assert.Contains(names, n => n.Contains("Initiative 1 renamed", StringComparison.Ordinal));
            Assert.DoesNotContain(names, n => n.Contains("Initiative 0", StringComparison.Ordinal) || n.Contains("Initiative 2", StringComparison.Ordinal));
        }
        finally
        {
            await a.DisposeAsync();
        }
    }

    private static Dictionary<string, string?> Settings(string db, MeilisearchProcess meili, string key, string sibling)
    {
        var s = IndexerProcess.CreateSettings(db, meili.Url, key, Index);
        s["Indexer:PollInterval"] = "00:10:00";
        s["Indexer:FlushInterval"] = "00:00:00.200";
        s["Indexer:Siblings:0"] = sibling;
        return s;
    }

    private static object Org(string name) => new
    {
        name = new Dictionary<string, string> { ["en"] = name },
        description = new Dictionary<string, string> { ["en"] = "Fictional initiative of the scale-out test." },
        focus = new[] { "legal-aid" },
        languages = new[] { "en" },
        locations = new object[] { new { kind = "physical", city = "Berlin", country = "DE" } },
        contacts = Array.Empty<object>(),
    };

    private static async Task<string> Publish(HttpClient http, NodeProcess node, string token, string name)
    {
        var r = await Send(http, HttpMethod.Post, node, "/api/admin/organisations", token, Org(name));
        return JsonDocument.Parse(r).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<string> Send(HttpClient http, HttpMethod method, NodeProcess node, string path, string token, object? json = null)
    {
        using var m = new HttpRequestMessage(method, node.BaseUrl + path);
        m.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null)
        {
            m.Content = JsonContent.Create(json);
        }
        using var r = await http.SendAsync(m);
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"{method} {path}: {(int)r.StatusCode} {body}");
        return body;
    }

    private static async Task<List<JsonElement>> Docs(MeilisearchProcess meili)
    {
        using var http = meili.CreateHttpClient();
        using var r = await http.GetAsync($"indexes/{Index}/documents?limit=1000");
        if (r.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }
        r.EnsureSuccessStatusCode();
        var root = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
        return [.. root.GetProperty("results").EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>Both indexes hold the same documents (compared as JSON, in id order), <paramref name="expected"/> of them.</summary>
    private static async Task Converged(MeilisearchProcess a, MeilisearchProcess b, int expected)
    {
        // The same document from both pairs, except when each indexer verified it (provenance.verified_at).
        static string Canon(List<JsonElement> docs) => string.Join("\n", docs.Select(d =>
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(d.GetRawText())!;
            node["provenance"]?.AsObject().Remove("verified_at");
            return node.ToJsonString();
        }).Order(StringComparer.Ordinal));
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (true)
        {
            var (da, db) = (await Docs(a), await Docs(b));
            if (da.Count == expected && Canon(da) == Canon(db))
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"the indexes did not converge to the same {expected} documents within 45 s: A has {da.Count}, B has {db.Count}\nA: {Canon(da)}\nB: {Canon(db)}");
            }
            await Task.Delay(250);
        }
    }

    private static async Task<List<string>> SearchNames(int sitePort)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        // As the map site reads it (docs/web.md "The recent index"): the organisations index and the recent index, which
        // the token makes disjoint (a listing just edited is shown from the recent index until the big one has it).
        using var body = new StringContent("""{"queries":[{"indexUid":"organisations","q":"initiative","limit":50},{"indexUid":"organisations-recent","q":"initiative","limit":50}]}""", Encoding.UTF8, "application/json");
        using var r = await http.PostAsync($"http://127.0.0.1:{sitePort}/search/multi-search", body);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"{(int)r.StatusCode} {text}");
        return [.. JsonDocument.Parse(text).RootElement.GetProperty("results").EnumerateArray()
            .SelectMany(result => result.GetProperty("hits").EnumerateArray()).Select(h => h.GetProperty("name").ToString())];
    }

    /// <summary>Searches through Caddy's public route every 50 ms (as the map site does, without a key: Caddy sets it)
    /// until stopped (and at most 3 minutes).</summary>
    private static async Task<(int Answered, List<string> Failures)> SearchStream(int sitePort, CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var failures = new List<string>();
        var answered = 0;
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!stop.IsCancellationRequested && DateTime.UtcNow < deadline)
        {
            try
            {
                using var body = new StringContent("""{"queries":[{"indexUid":"organisations","q":"initiative","limit":5}]}""", Encoding.UTF8, "application/json");
                using var r = await http.PostAsync($"http://127.0.0.1:{sitePort}/search/multi-search", body, CancellationToken.None);
                if (r.StatusCode == HttpStatusCode.OK)
                {
                    answered++;
                }
                else
                {
                    failures.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {(int)r.StatusCode} {await r.Content.ReadAsStringAsync(CancellationToken.None)}");
                }
            }
            catch (HttpRequestException e)
            {
                failures.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {e.Message}");
            }
            try
            {
                await Task.Delay(50, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return (answered, failures);
    }

    private static async Task<ProcessHost> StartCaddy(TempDirectory temp, int sitePort, int meiliA, int meiliB, int indexerA, int indexerB, int nodePort)
    {
        // A port taken between FreePort and the bind (the machine is busy): try again with new listener ports.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartCaddyOnce(temp, sitePort, FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next(), meiliA, meiliB, indexerA, indexerB, nodePort);
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("address already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    private static async Task<ProcessHost> StartCaddyOnce(TempDirectory temp, int sitePort, int nodeSitePort, int healthPort, int pairA, int pairB,
        int meiliA, int meiliB, int indexerA, int indexerB, int nodePort)
    {
        var exe = Proc.Require("caddy", "on Debian `apt-get install -y caddy` (only the binary is used, on 127.0.0.1).");
        var site = Directory.CreateDirectory(temp.Combine("site")).FullName;
        File.WriteAllText(Path.Combine(site, "index.html"), "<!doctype html><title>atlas</title>");
        static string P(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var caddy = ProcessHost.Start(new ProcessSpec(exe, "run", "--config", Repo.PathOf("deploy", "caddy", "Caddyfile"), "--adapter", "caddyfile")
        {
            Name = "caddy",
            Environment = new Dictionary<string, string?>
            {
                ["HOME"] = temp.Path,
                ["XDG_DATA_HOME"] = temp.Path,
                ["XDG_CONFIG_HOME"] = temp.Path,
                ["ATLAS_SITE_DOMAIN"] = $"http://127.0.0.1:{P(sitePort)}",
                ["ATLAS_NODE_DOMAIN"] = $"http://127.0.0.1:{P(nodeSitePort)}",
                ["ATLAS_HEALTH_ADDR"] = $"127.0.0.1:{P(healthPort)}",
                ["ATLAS_SITE_ROOT"] = site,
                ["ATLAS_SEARCH_PAIRS"] = "2",
                ["ATLAS_PAIR_A_PORT"] = P(pairA),
                ["ATLAS_PAIR_B_PORT"] = P(pairB),
                ["ATLAS_MEILI_UPSTREAM"] = $"127.0.0.1:{P(meiliA)}",
                ["ATLAS_MEILI_UPSTREAM_B"] = $"127.0.0.1:{P(meiliB)}",
                ["ATLAS_INDEXER_UPSTREAM"] = $"127.0.0.1:{P(indexerA)}",
                ["ATLAS_INDEXER_UPSTREAM_B"] = $"127.0.0.1:{P(indexerB)}",
                ["ATLAS_NODE_UPSTREAM"] = $"127.0.0.1:{P(nodePort)}",
            },
        });
        try
        {
            await caddy.WaitForHttpReadyAsync(new Uri($"http://127.0.0.1:{P(healthPort)}/healthz"), TimeSpan.FromSeconds(20));
            return caddy;
        }
        catch
        {
            await caddy.DisposeAsync();
            throw;
        }
    }
}
