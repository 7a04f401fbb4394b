
namespace Atlas.Indexer.Tests.Processes;

/// <summary>The executable's commands, run as real processes.</summary>
[Collection(IndexerMeilisearchCollection.Name)]
public sealed class CliTests(MeilisearchFixture meili) : IDisposable
{
    private readonly TempDirectory _dir = new("atlas-idx-proc");

    private Dictionary<string, string?> Env(string index) => new(IndexerProcess.CreateSettings(_dir.Combine("state.db"), meili.Url, meili.MasterKey, index))
    {
        ["Indexer:RequestTimeout"] = "00:00:03",
    };

    [Theory]
    [InlineData(2, "nonsense")]
    [InlineData(2)]
    [InlineData(2, "peers", "add", "not a url", "--root", "x")]
    [InlineData(2, "peers", "add", "http://127.0.0.1:9", "--root", "too-short")]
    [InlineData(2, "peers", "add", "http://127.0.0.1:9")]
    [InlineData(1, "peers", "remove", "http://127.0.0.1:9")]
    [InlineData(2, "peers")]
    [InlineData(2, "sync")]
    [InlineData(2, "status", "--bogus")]
    [InlineData(2, "release", "berlin")]
    public async Task Bad_input_gives_one_line_and_the_exit_code_of_the_convention(int exitCode, params string[] args)
    {
        // docs/operations.md: 2 for a bad command line or configuration, 1 for a refused or failed operation.
        var result = await IndexerProcess.RunCliAsync(Env("unused"), args);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Single(result.StandardError.Trim().Split('\n'));
        Assert.StartsWith("error:", result.StandardError);
    }

    [Theory]
    [InlineData("help")]
    [InlineData("--help")]
    [InlineData("help", "peers", "add")]
    public async Task Help_goes_to_stdout_with_exit_zero(params string[] args)
    {
        var result = await IndexerProcess.RunCliAsync(Env("unused"), args);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.StandardOutput);
        Assert.Empty(result.StandardError);
    }

    [Fact]
    public async Task Invalid_configuration_fails_on_start_with_one_line()
    {
        var env = Env("bad index uid!");
        var result = await IndexerProcess.RunCliAsync(env, "status");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Indexer:Index", result.StandardError);
        Assert.Single(result.StandardError.Trim().Split('\n'));
    }

    [Fact]
    public async Task Peers_add_then_sync_once_indexes_and_a_failing_peer_makes_the_exit_nonzero()
    {
        using var search = new SearchProbe(meili, MeilisearchFixture.NewIndexUid("cli"));
        var env = Env(search.Index);
        await using var good = await FakePeer.StartAsync("berlin");
        var ids = good.PublishMany(5, i => Orgs.Make($"CLI org {i}"));

        var add = await IndexerProcess.RunCliAsync(env, "peers", "add", good.BaseUrl, "--root", good.Root.Kid, "--name", "Berlin");
        Assert.True(add.ExitCode == 0, add.StandardError);
        var dup = await IndexerProcess.RunCliAsync(env, "peers", "add", good.BaseUrl, "--root", good.Root.Kid);
        Assert.Equal(1, dup.ExitCode);
        var list = await IndexerProcess.RunCliAsync(env, "peers", "list");
        Assert.Contains(good.BaseUrl, list.StandardOutput);

        var sync = await IndexerProcess.RunCliAsync(env, "sync", "--once");
        Assert.True(sync.ExitCode == 0, sync.StandardOutput + sync.StandardError);
        Assert.Equal(5, (await search.DocsAsync()).Count);

        var status = await IndexerProcess.RunCliAsync(env, "status");
        Assert.Contains("berlin", status.StandardOutput);
        Assert.Contains("last error: -", status.StandardOutput);

        await using var broken = await FakePeer.StartAsync("broken");
        broken.Offline = true;
        Assert.Equal(0, (await IndexerProcess.RunCliAsync(env, "peers", "add", broken.BaseUrl, "--root", broken.Root.Kid)).ExitCode);
        good.Withdraw(ids[0]);
        var partial = await IndexerProcess.RunCliAsync(env, "sync", "--once");
        Assert.Equal(1, partial.ExitCode);
        Assert.Contains("FAILED", partial.StandardOutput);
        Assert.Equal(4, (await search.DocsAsync()).Count);
        var failing = await IndexerProcess.RunCliAsync(env, "status");
        Assert.Contains("503", failing.StandardOutput);

        var remove = await IndexerProcess.RunCliAsync(env, "peers", "remove", good.BaseUrl);
        Assert.Equal(0, remove.ExitCode);
        await IndexerProcess.RunCliAsync(env, "sync", "--once");
        Assert.Empty(await search.DocsAsync());

        var alerts = await IndexerProcess.RunCliAsync(env, "alerts");
        Assert.Equal(0, alerts.ExitCode);
        var key = await IndexerProcess.RunCliAsync(env, "search-key");
        Assert.Equal(0, key.ExitCode);
        Assert.Matches("^[0-9a-f]{64}$", key.StandardOutput.Trim());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
