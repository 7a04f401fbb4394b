using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Atlas.TestKit;
using Atlas.TestKit.Processes;
using Xunit.Abstractions;

namespace Atlas.Deploy.Tests;

/// <summary>What a newcomer does: clone the repository and run the first Quick start command. The launcher
/// must build everything, install Meilisearch, start the federation with sample data, and stop it all.</summary>
public sealed class NewcomerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Fresh_clone_quick_start_serves_the_map_and_a_searchable_sample_organisation()
    {
        using var temp = new TempDirectory("atlas-newcomer");
        var clone = temp.Combine("atlas");
        var cloned = await ProcessHost.RunToExitAsync(new ProcessSpec("git", "clone", "--quiet", "--no-hardlinks", RepoPaths.Root, clone), TimeSpan.FromMinutes(2));
        Assert.True(cloned.ExitCode == 0, cloned.ToString());

        var quickStart = ReadQuickStart(Path.Combine(clone, "README.md"));
        Assert.Equal(2, quickStart.Length);
        Assert.Equal("deploy/local/up.sh", quickStart[0]);

        int web = FreePort.Next(), meili = FreePort.Next(), indexer = FreePort.Next();
        var nodeBase = 30000 + Random.Shared.Next(0, 20000);
        var data = temp.Combine("data");
        var spec = new ProcessSpec("bash", Path.Combine(clone, quickStart[0]))
        {
            WorkingDirectory = clone,
            Name = "quick start",
            Environment = new Dictionary<string, string?>
            {
                ["ATLAS_DATA"] = data,
                ["WEB_PORT"] = web.ToString(),
                ["MEILI_PORT"] = meili.ToString(),
                ["INDEXER_PORT"] = indexer.ToString(),
                ["NODE_PORT_BASE"] = nodeBase.ToString(),
                ["MEILI_BIN"] = null, // a newcomer has none: the launcher installs it from the pinned package
            },
        };
        var started = DateTime.UtcNow;
        await using (var up = ProcessHost.Start(spec))
        {
            try
            {
                await up.WaitForOutputAsync("federation is running", TimeSpan.FromMinutes(15));
            }
            finally
            {
                WriteLogTails(Path.Combine(data, "logs"));
            }

            output.WriteLine($"federation up after {(DateTime.UtcNow - started).TotalSeconds:F0} s");

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            var page = await http.GetStringAsync($"http://127.0.0.1:{web}/");
            Assert.Contains("<html", page, StringComparison.OrdinalIgnoreCase);

            using var config = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{web}/config.json"));
            var key = config.RootElement.GetProperty("searchKey").GetString();
            Assert.False(string.IsNullOrEmpty(key));
            using var search = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{meili}/indexes/organisations/search")
            {
                Content = JsonContent.Create(new { q = "Kovcheg", limit = 5 }),
            };
            search.Headers.Authorization = new("Bearer", key);
            using var answer = await http.SendAsync(search);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            using var hits = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
            Assert.Contains(hits.RootElement.GetProperty("hits").EnumerateArray(),
                h => h.GetProperty("name").GetProperty("en").GetString()!.Contains("Ark", StringComparison.Ordinal));

            // Ctrl-C stops everything the launcher started.
            await up.StopAsync(TimeSpan.FromSeconds(30));
        }
        foreach (var port in new[] { web, meili, indexer, nodeBase + 1, nodeBase + 2, nodeBase + 3 })
        {
            await Poll.UntilAsync(() => !Listening(port), $"port {port} to close", TimeSpan.FromSeconds(20));
        }
    }

    /// <summary>The last lines of every log the launcher wrote, so a failed start explains itself.</summary>
    private void WriteLogTails(string logs)
    {
        if (!Directory.Exists(logs))
        {
            output.WriteLine($"(no logs in {logs})");
            return;
        }

        foreach (var file in Directory.EnumerateFiles(logs).Order(StringComparer.Ordinal))
        {
            var lines = File.ReadAllLines(file);
            output.WriteLine($"--- {Path.GetFileName(file)} (last {Math.Min(lines.Length, 15)} of {lines.Length} lines) ---");
            foreach (var line in lines.TakeLast(15))
            {
                output.WriteLine(line);
            }
        }
    }

    private static string[] ReadQuickStart(string readme)
    {
        var text = File.ReadAllText(readme);
        var section = text[text.IndexOf("## Quick start", StringComparison.Ordinal)..];
        var fence = section.IndexOf("```", StringComparison.Ordinal);
        var body = section[(section.IndexOf('\n', fence) + 1)..];
        return body[..body.IndexOf("```", StringComparison.Ordinal)].Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
