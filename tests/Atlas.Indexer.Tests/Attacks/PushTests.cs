using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Atlas.Indexer.Cli;
using Atlas.Indexer.Hosting;
using Atlas.Indexer.Meilisearch;
using Atlas.Indexer.State;
using Atlas.Protocol.Model;
using Atlas.Protocol.Verification;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Atlas.Indexer.Tests.Attacks;

/// <summary>The push endpoints of a running indexer (the <c>run</c> web host, in-process on 127.0.0.1).</summary>
public sealed class PushTests(MeilisearchFixture meili, ITestOutputHelper output) : IClassFixture<MeilisearchFixture>, IAsyncLifetime
{
    private readonly TempDirectory _dir = new("atlas-idx-push");
    private readonly SearchProbe _search = new(meili, MeilisearchFixture.NewIndexUid("push"));
    private WebApplication? _app;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public Task InitializeAsync() => Task.CompletedTask;

    private Task<string> StartIndexerAsync(params FakePeer[] peers) => StartIndexerAsync("00:00:05", peers);

    private async Task<string> StartIndexerAsync(string flushInterval, params FakePeer[] peers)
    {
        var db = _dir.Combine("state.db");
        _app = IndexerApp.Create(
            ["--urls", "http://127.0.0.1:0", $"--Indexer:Database={db}", "--Indexer:PollInterval=00:10:00", $"--Indexer:FlushInterval={flushInterval}",
             $"--Indexer:MeilisearchUrl={meili.Url}", $"--Indexer:MeilisearchKey={meili.MasterKey}", $"--Indexer:Index={_search.Index}",
             "--Indexer:PushPermitsPerMinute=1000", "--Logging:LogLevel:Default=Warning"]);
        _app.Services.GetRequiredService<Database>().Migrate();
        foreach (var p in peers)
        {
            _app.Services.GetRequiredService<StateStore>().Write(s => s.Peers.Add(p.BaseUrl, p.Root.Kid, null));
        }
        await _app.StartAsync();
        return _app.Urls.First().TrimEnd('/');
    }

    private static Task Until(Func<Task<bool>> condition, TimeSpan limit) => Poll.UntilAsync(
        async () =>
        {
            try
            {
                return await condition();
            }
            catch (MeilisearchApiException e) when (e.Code == "invalid_document_filter")
            {
                return false; // the first flush has created the index but not yet applied its settings
            }
        },
        "the search index to change",
        limit);

    private Task<HttpResponseMessage> Post(string url, string body, string type = "application/jose")
    {
        var content = new StringContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return _http.PostAsync(url, content);
    }

    [Fact]
    public async Task A07_Relayed_tombstone_reaches_search_while_the_origin_is_offline()
    {
        await using var origin = await FakePeer.StartAsync("origin");
        var id = origin.Publish(Orgs.Make("To withdraw"));
        var url = await StartIndexerAsync(origin);
        await Until(async () => (await _search.DocsOfAsync(id)).Count == 1, TimeSpan.FromSeconds(20));

        var tombstone = origin.Withdraw(id, publish: false);
        origin.Offline = true;
        var sw = Stopwatch.StartNew();
        using var response = await Post($"{url}/atlas/v1/relay", tombstone);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Until(async () => (await _search.DocsOfAsync(id)).Count == 0, TimeSpan.FromSeconds(10));
        output.WriteLine($"withdraw → gone from search: {sw.ElapsedMilliseconds} ms");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A09_Relayed_tombstone_signed_by_another_node_is_refused()
    {
        await using var a = await FakePeer.StartAsync("node-a");
        await using var b = await FakePeer.StartAsync("node-b");
        var victim = a.Publish(Orgs.Make("Victim"));
        b.Publish(Orgs.Make("B"));
        var url = await StartIndexerAsync(a, b);
        await Until(async () => (await _search.DocsOfAsync(victim)).Count == 1 && (await _search.DocsAsync()).Count == 2, TimeSpan.FromSeconds(20));

        var forged = SignedObjects.SignListing(new ListingPayload("node-b", victim, 2, SignedObjects.HashOf(a.Latest(victim)!), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ListingStatus.Tombstone, null), b.Signing);
        var asA = SignedObjects.SignListing(new ListingPayload("node-a", victim, 2, SignedObjects.HashOf(a.Latest(victim)!), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ListingStatus.Tombstone, null), b.Signing);
        using var r1 = await Post($"{url}/atlas/v1/relay", forged);
        using var r2 = await Post($"{url}/atlas/v1/relay", asA);
        using var r3 = await Post($"{url}/atlas/v1/relay", "not.a.jws");
        using var r4 = await Post($"{url}/atlas/v1/relay", new string('a', Atlas.Protocol.ProtocolLimits.MaxListingBytes + 10));
        using var r5 = await Post($"{url}/atlas/v1/relay", a.Withdraw(victim, publish: false), "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, r1.StatusCode);
        Assert.Contains("WrongIssuer", await r1.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, r2.StatusCode);
        Assert.Contains("WrongIssuer", await r2.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, r3.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, r4.StatusCode);
        var r4Body = await r4.Content.ReadAsStringAsync();
        Assert.True(r4Body.Contains("TooLarge", StringComparison.Ordinal), r4Body);
        // A signed object sent as application/json: the route accepts only application/jose (415, problem details).
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, r5.StatusCode);
        Assert.Equal("application/problem+json", r5.Content.Headers.ContentType?.MediaType);
        Assert.Single(await _search.DocsOfAsync(victim));
    }

    [Fact]
    public async Task Notify_with_a_newer_signed_head_triggers_an_immediate_sync()
    {
        await using var peer = await FakePeer.StartAsync("pusher");
        peer.Publish(Orgs.Make("First"));
        var url = await StartIndexerAsync(peer);
        await Until(async () => (await _search.DocsAsync()).Count == 1, TimeSpan.FromSeconds(20));

        var second = peer.Publish(Orgs.Make("Second"));
        var sw = Stopwatch.StartNew();
        using var response = await Post($"{url}/atlas/v1/notify", peer.SignHead());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("sync scheduled", await response.Content.ReadAsStringAsync());
        // PollInterval is 10 minutes: only the push can explain a sync within seconds.
        await Until(async () => (await _search.DocsOfAsync(second)).Count == 1, TimeSpan.FromSeconds(10));
        output.WriteLine($"notify → in search: {sw.ElapsedMilliseconds} ms");

        using var unsigned = await Post($"{url}/atlas/v1/notify", peer.SignHead(key: Protocol.Signing.AtlasKey.Generate()));
        Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);
        using var splitView = await Post($"{url}/atlas/v1/notify", peer.SignHead(root: HeadRoot.Compute([])));
        Assert.Contains("split view", await splitView.Content.ReadAsStringAsync());
        Assert.Contains(_app!.Services.GetRequiredService<StateStore>().Read(s => s.Alerts.List()), a => a.Kind == AlertKinds.SplitView);
    }

    /// <summary>A push that lands while that node's pass is running is not lost: the pass's own "next poll in
    /// PollInterval" must not overwrite it (found by bench/incremental.sh: the last edits of a burst waited a poll).</summary>
    [Fact]
    public async Task A_push_during_a_running_pass_triggers_another_pass()
    {
        await using var peer = await FakePeer.StartAsync("busy");
        peer.Publish(Orgs.Make("First"));
        var url = await StartIndexerAsync(peer);
        await Until(async () => (await _search.DocsAsync()).Count == 1, TimeSpan.FromSeconds(20));

        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        peer.Intercept = async ctx =>
        {
            if (ctx.Request.Path == "/atlas/v1/changes" && entered.TrySetResult())
            {
                await release.Task.WaitAsync(TimeSpan.FromSeconds(20));
            }
            return false;
        };
        peer.Publish(Orgs.Make("Second"));
        using (var first = await Post($"{url}/atlas/v1/notify", peer.SignHead()))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var third = peer.Publish(Orgs.Make("Third"));
        using (var second = await Post($"{url}/atlas/v1/notify", peer.SignHead()))
        {
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        }
        release.SetResult();

        // PollInterval is 10 minutes: only the second push can bring the third listing in.
        await Until(async () => (await _search.DocsOfAsync(third)).Count == 1, TimeSpan.FromSeconds(20));
    }

    /// <summary>Issue 12 (freshness): a pass or a relayed tombstone that queues search changes wakes the flusher and the
    /// removal lane when it commits. Poll and flush intervals are 10 minutes here, so only that wake-up can explain the
    /// edit and the takedown reaching search; the edits pushed back to back all arrive (coalesced or not).</summary>
    [Fact]
    public async Task Pushed_edits_and_a_relayed_takedown_reach_search_without_waiting_for_the_flush_interval()
    {
        await using var peer = await FakePeer.StartAsync("prompt");
        var ids = peer.PublishMany(3, i => Orgs.Make($"Org {i}"));
        var url = await StartIndexerAsync("00:10:00", peer);
        // The first pass runs at start; its commit wakes the flusher.
        await Until(async () => (await _search.DocsAsync()).Count == 3, TimeSpan.FromSeconds(60));

        foreach (var (id, n) in ids.Select((id, n) => (id, n)))
        {
            peer.Update(id, o => o with { Name = new Dictionary<string, string> { ["en"] = $"Renamed {n}" } });
            using var pushed = await Post($"{url}/atlas/v1/notify", peer.SignHead());
            Assert.Equal(HttpStatusCode.Accepted, pushed.StatusCode);
        }
        await Until(async () => (await _search.DocsAsync()).Select(d => d.Name["en"]).Order().SequenceEqual(["Renamed 0", "Renamed 1", "Renamed 2"]), TimeSpan.FromSeconds(60));

        using var relayed = await Post($"{url}/atlas/v1/relay", peer.Withdraw(ids[1], publish: false));
        Assert.Equal(HttpStatusCode.Accepted, relayed.StatusCode);
        await Until(async () => (await _search.DocsOfAsync(ids[1])).Count == 0, TimeSpan.FromSeconds(60));
        Assert.Equal(2, (await _search.DocsAsync()).Count);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _http.Dispose();
        _search.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
