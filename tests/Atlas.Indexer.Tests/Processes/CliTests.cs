using Atlas.Indexer.Tests.Infrastructure;
using Atlas.Indexer.Tests.Peers;

namespace Atlas.Indexer.Tests.Processes;

/// <summary>The executable's commands, run as real processes.</summary>
[Collection(MeiliCollection.Name)]
public sealed class CliTests(MeiliProcess meili) : IDisposable
{
    private readonly TempDir _dir = new();

    private Dictionary<string, string?> Env(string index) => new(meili.Settings(index))
    {
        ["Indexer:Database"] = Path.Combine(_dir.Path, "state.db"),
        ["Indexer:RequestTimeout"] = "00:00:03",
    };

    [Theory]
    [InlineData("nonsense")]
    [InlineData("peers", "add", "not a url", "--root", "x")]
    [InlineData("peers", "add", "http://127.0.0.1:9", "--root", "too-short")]
    [InlineData("peers", "add", "http://127.0.0.1:9")]
    [InlineData("peers", "remove", "http://127.0.0.1:9")]
    [InlineData("peers")]
    [InlineData("sync")]
    [InlineData("status", "--bogus")]
    public async Task Bad_input_gives_one_line_and_a_nonzero_exit(params string[] args)
    {
        var result = await IndexerProcess.RunAsync(Env("unused"), args);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.StartsWith("error:", result.Stderr);
    }

    [Fact]
    public async Task Invalid_configuration_fails_on_start_with_one_line()
    {
        var env = Env("bad index uid!");
        var result = await IndexerProcess.RunAsync(env, "status");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Indexer:Index", result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Peers_add_then_sync_once_indexes_and_a_failing_peer_makes_the_exit_nonzero()
    {
        var index = MeiliProcess.NewIndex();
        var env = Env(index);
        await using var good = await FakePeer.StartAsync("berlin");
        var ids = good.PublishMany(5, i => Orgs.Make($"CLI org {i}"));

        var add = await IndexerProcess.RunAsync(env, "peers", "add", good.BaseUrl, "--root", good.Root.Kid, "--name", "Berlin");
        Assert.True(add.ExitCode == 0, add.Stderr);
        var dup = await IndexerProcess.RunAsync(env, "peers", "add", good.BaseUrl, "--root", good.Root.Kid);
        Assert.Equal(2, dup.ExitCode);
        var list = await IndexerProcess.RunAsync(env, "peers", "list");
        Assert.Contains(good.BaseUrl, list.Stdout);

        var sync = await IndexerProcess.RunAsync(env, "sync", "--once");
        Assert.True(sync.ExitCode == 0, sync.Stdout + sync.Stderr);
        Assert.Equal(5, (await meili.AllDocumentsAsync(index)).Count);

        var status = await IndexerProcess.RunAsync(env, "status");
        Assert.Contains("berlin", status.Stdout);
        Assert.Contains("last error: -", status.Stdout);

        await using var broken = await FakePeer.StartAsync("broken");
        broken.Offline = true;
        Assert.Equal(0, (await IndexerProcess.RunAsync(env, "peers", "add", broken.BaseUrl, "--root", broken.Root.Kid)).ExitCode);
        good.Withdraw(ids[0]);
        var partial = await IndexerProcess.RunAsync(env, "sync", "--once");
        Assert.Equal(1, partial.ExitCode);
        Assert.Contains("FAILED", partial.Stdout);
        Assert.Equal(4, (await meili.AllDocumentsAsync(index)).Count);
        var failing = await IndexerProcess.RunAsync(env, "status");
        Assert.Contains("503", failing.Stdout);

        var remove = await IndexerProcess.RunAsync(env, "peers", "remove", good.BaseUrl);
        Assert.Equal(0, remove.ExitCode);
        await IndexerProcess.RunAsync(env, "sync", "--once");
        Assert.Empty(await meili.AllDocumentsAsync(index));

        var alerts = await IndexerProcess.RunAsync(env, "alerts");
        Assert.Equal(0, alerts.ExitCode);
        var key = await IndexerProcess.RunAsync(env, "search-key");
        Assert.Equal(0, key.ExitCode);
        Assert.Matches("^[0-9a-f]{64}$", key.Stdout.Trim());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
