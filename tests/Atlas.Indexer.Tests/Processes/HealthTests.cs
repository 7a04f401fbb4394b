using System.Net;

namespace Atlas.Indexer.Tests.Processes;

/// <summary>The running indexer's health endpoints: ready only while its Meilisearch answers, live regardless.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Ready_follows_meilisearch_while_live_stays_up()
    {
        await using var meili = await MeilisearchProcess.StartAsync();
        using var dir = new TempDirectory("atlas-idx-health");
        var settings = IndexerProcess.CreateSettings(dir.Combine("state.db"), meili.Url, meili.MasterKey, "organisations");
        await using var indexer = await IndexerProcess.StartAsync(settings, IndexerWait.Ready);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        async Task<HttpStatusCode> Status(string path)
        {
            using var response = await http.GetAsync(indexer.Url + path);
            return response.StatusCode;
        }

        await meili.KillAsync();
        await Poll.UntilAsync(async () => await Status("/health/ready") == HttpStatusCode.ServiceUnavailable,
            "/health/ready to answer 503 with Meilisearch down", TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, await Status("/health/live"));

        await meili.RestartAsync();
        await Poll.UntilAsync(async () => await Status("/health/ready") == HttpStatusCode.OK,
            "/health/ready to answer 200 with Meilisearch back", TimeSpan.FromSeconds(30));
    }
}
