using Atlas.Indexer.Meilisearch;

namespace Atlas.Indexer.Tests.Meilisearch;

/// <summary>The TestKit's Meilisearch process survives SIGKILL + restart on the same db dir (for crash tests).</summary>
public sealed class MeilisearchProcessTests
{
    [Fact]
    public async Task Killed_instance_restarts_on_the_same_data_and_key()
    {
        await using var meili = await MeilisearchProcess.StartAsync();
        using var http = meili.CreateHttpClient();
        var client = new MeilisearchClient(http);
        var uid = await TestOrgs.SeedAsync(client);
        var pid = meili.Host!.Id;

        await meili.KillAsync();
        Assert.False(meili.IsRunning);
        Assert.False(await client.IsHealthyAsync());

        await meili.RestartAsync();
        Assert.True(meili.IsRunning);
        Assert.NotEqual(pid, meili.Host!.Id);
        Assert.True(await client.IsHealthyAsync());
        Assert.Equal(TestOrgs.All.Count, (await client.GetIndexStatsAsync(uid)).NumberOfDocuments);
    }

    [Fact]
    public async Task Dispose_stops_the_process_and_removes_its_directory()
    {
        var meili = await MeilisearchProcess.StartAsync();
        var host = meili.Host!;
        var db = meili.DbPath;
        Assert.True(Directory.Exists(db));

        await meili.DisposeAsync();

        Assert.True(host.HasExited);
        Assert.False(Directory.Exists(db));
    }
}
