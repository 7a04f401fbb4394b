using Atlas.Indexer.Search;
using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Atlas.Indexer.Tests.Processes;

/// <summary>kill -9 of the indexer process between two staged pages of one pass (docs/protocol.md §6.2: the pass is
/// staged page by page in SQLite and committed at once). Nothing reaches search before the commit; the next pass
/// resumes at the first page not staged when the head is the same, starts over from the cursor when the head moved,
/// and either way ends with exactly the state and search documents of an uninterrupted run.</summary>
[Collection(IndexerMeilisearchCollection.Name)]
public sealed class StagedPassCrashTests(MeilisearchFixture meili, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new("atlas-idx-staged");
    private readonly LockedCollection<long> _asked = [];
    private long _blockFrom = long.MaxValue;
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Fact]
    public async Task Kill_9_between_staged_pages_resumes_or_restarts_and_ends_as_an_uninterrupted_run()
    {
        await using var peer = await FakePeer.StartAsync("stager");
        peer.Intercept = HoldPagesAsync;
        // 3,500 listings, 50 of them withdrawn: a first pass of four change pages (the indexer asks 1,000 a page):
        // (50, 1050], (1050, 2050], (2050, 3050], (3050, 3550].
        var ids = peer.PublishMany(3500, i => Orgs.Make($"Staged org {i}"));
        foreach (var id in ids.Take(50))
        {
            peer.Withdraw(id);
        }
        using var search = new SearchProbe(meili, MeilisearchFixture.NewIndexUid("staged"));
        var env = Settings("state.db", search.Index);
        Assert.Equal(0, (await IndexerProcess.RunCliAsync(env, "peers", "add", peer.BaseUrl, "--root", peer.Root.Kid)).ExitCode);

        // 1. Killed with two pages staged, the indexer waiting for the third.
        await KillBetweenPagesAsync(env, blockFrom: 2050, stagedPages: 2);
        Assert.Equal(2000, Scalar(env, "SELECT COUNT(*) FROM pass_versions"));
        Assert.Equal(0, Scalar(env, "SELECT COUNT(*) FROM listings"));
        Assert.Equal(0, Scalar(env, "SELECT COUNT(*) FROM outbox"));
        Assert.Empty(await search.DocsAsync());

        // 2. Same head: the next pass resumes at the third page (the first two are not asked for again) and commits.
        Release();
        _asked.Clear();
        var resumed = await IndexerProcess.RunCliAsync(env, "sync", "--once");
        Assert.True(resumed.ExitCode == 0, resumed.StandardOutput + resumed.StandardError);
        Assert.Equal([2050L, 3050L], _asked.Snapshot().Order());
        await AssertAsUninterruptedAsync(env, search, peer, "after resuming");

        // 3. The node moves on (1,200 edits: two pages), the indexer is killed with one page staged, and the node moves
        //    again while it is down: the head differs, so the next pass starts over from the cursor.
        var cursor = Scalar(env, "SELECT cursor FROM peers");
        foreach (var id in ids.Skip(100).Take(1200))
        {
            peer.Update(id, o => o with { Description = new Dictionary<string, string> { ["en"] = "Edited once." } });
        }
        await KillBetweenPagesAsync(env, blockFrom: cursor + 1000, stagedPages: 1);
        Assert.Equal(1000, Scalar(env, "SELECT COUNT(*) FROM pass_versions"));
        foreach (var id in ids.Skip(1400).Take(10))
        {
            peer.Withdraw(id);
        }
        peer.PublishMany(5, i => Orgs.Make($"Late org {i}"));
        Release();
        _asked.Clear();
        var restarted = await IndexerProcess.RunCliAsync(env, "sync", "--once");
        Assert.True(restarted.ExitCode == 0, restarted.StandardOutput + restarted.StandardError);
        Assert.Equal(cursor, _asked.Snapshot().Min());
        await AssertAsUninterruptedAsync(env, search, peer, "after starting over");
    }

    /// <summary>Runs the indexer until it has staged <paramref name="stagedPages"/> pages and asks for the page after
    /// <paramref name="blockFrom"/> (held back by the node), then kills it with SIGKILL.</summary>
    private async Task KillBetweenPagesAsync(IReadOnlyDictionary<string, string?> env, long blockFrom, int stagedPages)
    {
        _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _blockFrom, blockFrom);
        await using var run = await IndexerProcess.StartAsync(env, IndexerWait.Nothing);
        await Poll.UntilAsync(
            () => _asked.Snapshot().Any(a => a >= blockFrom) && Scalar(env, "SELECT IFNULL(MAX(pages), 0) FROM pass_progress") >= stagedPages,
            $"{stagedPages} page(s) staged and the page after {blockFrom} asked for", TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(100));
        await run.KillAsync();
        Assert.Equal(stagedPages, Scalar(env, "SELECT pages FROM pass_progress"));
        Assert.Equal(blockFrom, Scalar(env, "SELECT next_after FROM pass_progress"));
        output.WriteLine($"killed with {stagedPages} page(s) staged, next page after {blockFrom}");
    }

    /// <summary>The state and the documents equal those of a fresh indexer that syncs the same node in one go.</summary>
    private async Task AssertAsUninterruptedAsync(IReadOnlyDictionary<string, string?> env, SearchProbe search, FakePeer peer, string when)
    {
        using var reference = new SearchProbe(meili, MeilisearchFixture.NewIndexUid("staged-ref"));
        var referenceEnv = Settings($"reference-{Guid.NewGuid():N}.db", reference.Index);
        Assert.Equal(0, (await IndexerProcess.RunCliAsync(referenceEnv, "peers", "add", peer.BaseUrl, "--root", peer.Root.Kid)).ExitCode);
        var once = await IndexerProcess.RunCliAsync(referenceEnv, "sync", "--once");
        Assert.True(once.ExitCode == 0, once.StandardOutput + once.StandardError);

        var rows = Rows(env);
        output.WriteLine($"{when}: {rows.Count} rows, {rows.Count(r => r.State == "live")} live");
        Assert.Equal(Rows(referenceEnv), rows);
        Assert.Equal(Scalar<string>(referenceEnv, "SELECT head_root FROM peers"), Scalar<string>(env, "SELECT head_root FROM peers"));
        Assert.Equal(Scalar(referenceEnv, "SELECT cursor FROM peers"), Scalar(env, "SELECT cursor FROM peers"));
        foreach (var table in new[] { "outbox", "pass_progress", "pass_versions", "pass_rows", "pass_alerts" })
        {
            Assert.True(Scalar(env, $"SELECT COUNT(*) FROM {table}") == 0, $"{table} is not empty {when}");
        }
        var docs = Docs(await search.DocsAsync());
        Assert.Equal(Docs(await reference.DocsAsync()), docs);
        Assert.Equal(rows.Count(r => r.State == "live"), docs.Count);
    }

    private static List<(string DocId, string ListingId, long Seq, string Hash, string Name)> Docs(IEnumerable<SearchDocument> docs) =>
        docs.Select(d => (d.DocId, d.ListingId, d.Provenance.Seq, d.Provenance.Hash, d.Name["en"])).ToList();

    private static List<(string Id, long Seq, string Hash, string Status, string State)> Rows(IReadOnlyDictionary<string, string?> env)
    {
        using var connection = Open(env);
        return connection.Query<(string, long, string, string, string)>("SELECT id, seq, hash, status, state FROM listings ORDER BY node, id").ToList();
    }

    private static T Scalar<T>(IReadOnlyDictionary<string, string?> env, string sql)
    {
        using var connection = Open(env);
        return connection.ExecuteScalar<T>(sql)!;
    }

    private static long Scalar(IReadOnlyDictionary<string, string?> env, string sql) => Scalar<long>(env, sql);

    private static SqliteConnection Open(IReadOnlyDictionary<string, string?> env)
    {
        var connection = new SqliteConnection($"Data Source={env["Indexer:Database"]};Pooling=False");
        connection.Open();
        connection.Execute("PRAGMA busy_timeout = 10000;");
        return connection;
    }

    private Dictionary<string, string?> Settings(string database, string index) =>
        new(IndexerProcess.CreateSettings(_dir.Combine(database), meili.Url, meili.MasterKey, index))
        {
            ["Indexer:FlushInterval"] = "00:00:00.200",
            // `run` starts a pass at once (the last `sync --once` scheduled the next one a poll interval later).
            ["Indexer:PollInterval"] = "00:00:01",
            ["Indexer:PeerTimeout"] = "00:03:00",
            ["Indexer:RequestTimeout"] = "00:02:00",
        };

    /// <summary>The node's middleware: records the <c>after</c> of every change page asked for, and holds back the
    /// pages from <see cref="_blockFrom"/> on until <see cref="Release"/> (or the indexer hangs up).</summary>
    private async Task<bool> HoldPagesAsync(HttpContext context)
    {
        if (context.Request.Path != "/atlas/v1/changes" || !long.TryParse(context.Request.Query["after"], out var after))
        {
            return false;
        }
        _asked.Add(after);
        if (after < Interlocked.Read(ref _blockFrom))
        {
            return false;
        }
        var aborted = new TaskCompletionSource();
        await using (context.RequestAborted.Register(() => aborted.TrySetResult()))
        {
            await Task.WhenAny(_release.Task, aborted.Task);
        }
        return context.RequestAborted.IsCancellationRequested;
    }

    private void Release()
    {
        Interlocked.Exchange(ref _blockFrom, long.MaxValue);
        _release.TrySetResult();
    }

    public void Dispose()
    {
        Release();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
