using System.Collections.Concurrent;
using System.Net;
using Atlas.Api.Tests.Infrastructure;
using Atlas.Protocol;
using Atlas.Protocol.Verification;

namespace Atlas.Api.Tests;

public sealed class PushTests
{
    /// <summary>A fake indexer on 127.0.0.1 that records what the node pushes.</summary>
    private sealed class FakeIndexer : IDisposable
    {
        private readonly HttpListener _listener = new();
        public ConcurrentQueue<(string Path, string ContentType, string Body)> Received { get; } = new();
        public string Url { get; }

        /// <param name="status">The status of the n-th request (0-based); 202 for all by default.</param>
        public FakeIndexer(Func<int, int>? status = null)
        {
            Url = $"http://127.0.0.1:{FreePort.Next()}/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext ctx;
                    try { ctx = await _listener.GetContextAsync(); } catch (Exception) { return; }
                    using var reader = new StreamReader(ctx.Request.InputStream);
                    var n = Received.Count;
                    Received.Enqueue((ctx.Request.Url!.AbsolutePath, ctx.Request.ContentType ?? "", await reader.ReadToEndAsync()));
                    ctx.Response.StatusCode = status?.Invoke(n) ?? 202;
                    ctx.Response.Close();
                }
            });
        }

        public async Task<string> WaitFor(string path, Func<string, bool> match)
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < deadline)
            {
                var hit = Received.FirstOrDefault(r => r.Path == path && match(r.Body));
                if (hit.Body is not null)
                {
                    Assert.Equal("application/jose", hit.ContentType);
                    return hit.Body;
                }
                await Task.Delay(100);
            }
            throw new TimeoutException($"No push to {path}; got: {string.Join(", ", Received.Select(r => r.Path))}");
        }

        public void Dispose() => _listener.Close();
    }

    [Fact]
    public async Task Node_pushes_new_heads_and_relays_tombstones_including_cli_changes()
    {
        using var indexer = new FakeIndexer();
        await using var node = new OwnedNode(new Dictionary<string, string> { ["Node__NotifyUrls__0"] = indexer.Url, ["Node__HeadCheckSeconds"] = "1" });
        await node.InitializeAsync();

        var id = await node.SubmitAndApproveAsync(Samples.Org("Pushed"));
        var keyset = await node.TrustedKeysetAsync();
        var headJws = await indexer.WaitFor("/atlas/v1/notify", b => SignedObjects.VerifyHead(b, keyset, DateTimeOffset.UtcNow).Payload.Count == 1);
        Assert.Equal(1, SignedObjects.VerifyHead(headJws, keyset, DateTimeOffset.UtcNow).Payload.FeedSeq);

        await node.JsonAsync(HttpMethod.Post, $"/api/admin/organisations/{id}/takedown", node.EditorToken);
        var relayed = SignedObjects.VerifyListing(await indexer.WaitFor("/atlas/v1/relay", _ => true), keyset, id);
        Assert.True(relayed.IsTombstone);

        // A withdrawal made with the CLI while the node serves is picked up by the worker and pushed too.
        var other = await node.SubmitAndApproveAsync(Samples.Org("Withdrawn From CLI"));
        await node.Cli("withdraw", other);
        var cliTomb = SignedObjects.VerifyListing(await indexer.WaitFor("/atlas/v1/relay", b => b != relayed.Jws), keyset, other);
        Assert.True(cliTomb.IsTombstone);
        var head = SignedObjects.VerifyHead(await node.GetStringAsync("/atlas/v1/head"), keyset, DateTimeOffset.UtcNow);
        Assert.Equal(cliTomb.Hash, (await node.ChangesAsync($"?until={head.Payload.FeedSeq}")).Entries.Select(e => SignedObjects.HashOf(e.Jws)).Last());
    }

    [Theory]
    [InlineData(503)]
    [InlineData(408)]
    [InlineData(429)]
    public async Task A_push_answered_with_a_transient_status_is_sent_again(int transient)
    {
        using var indexer = new FakeIndexer(n => n == 0 ? transient : 202);
        await using var node = new OwnedNode(new Dictionary<string, string> { ["Node__NotifyUrls__0"] = indexer.Url });
        await node.InitializeAsync();

        await node.SubmitAndApproveAsync(Samples.Org("Pushed Twice"));
        var head = await indexer.WaitFor("/atlas/v1/notify", _ => true);
        await indexer.WaitFor("/atlas/v1/notify", b => b == head && indexer.Received.Count(r => r.Body == head) >= 2);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(413)]
    public async Task A_push_refused_with_another_4xx_is_not_sent_again(int refusal)
    {
        using var indexer = new FakeIndexer(_ => refusal);
        await using var node = new OwnedNode(new Dictionary<string, string> { ["Node__NotifyUrls__0"] = indexer.Url });
        await node.InitializeAsync();

        await node.SubmitAndApproveAsync(Samples.Org("Refused Once"));
        var first = await indexer.WaitFor("/atlas/v1/notify", _ => true);
        // The worker sends one push at a time, retries included: once the next head has arrived, the first is final.
        await node.SubmitAndApproveAsync(Samples.Org("Refused Twice"));
        await indexer.WaitFor("/atlas/v1/notify", b => b != first);
        Assert.Single(indexer.Received, r => r.Body == first);
    }

    [Fact]
    public async Task An_unreachable_indexer_never_blocks_publishing()
    {
        await using var node = new OwnedNode(new Dictionary<string, string> { ["Node__NotifyUrls__0"] = $"http://127.0.0.1:{FreePort.Next()}/" });
        await node.InitializeAsync();
        var started = DateTime.UtcNow;
        await node.SubmitAndApproveAsync(Samples.Org("Nobody Listens"));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_node_only_ever_signs_for_itself_so_it_cannot_forge_another_nodes_takedown()
    {
        await using var node = new OwnedNode();
        await node.InitializeAsync();
        await node.SubmitAndApproveAsync(Samples.Org("Own Listing"));
        // A listing id that lives on another node: the owning node alone may tombstone it.
        var foreign = "9d7f6a52-1f0c-4f43-9d0a-3f7c1c2c9a11";
        Assert.Equal(HttpStatusCode.NotFound, (await node.SendAsync(HttpMethod.Post, $"/api/admin/organisations/{foreign}/takedown", node.EditorToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await node.SendAsync(HttpMethod.Post, $"/api/admin/organisations/{foreign}/withdraw", node.EditorToken)).StatusCode);
        var keyset = await node.TrustedKeysetAsync();
        Assert.All((await node.ChangesAsync()).Entries, e => Assert.Equal("berlin", SignedObjects.VerifyListing(e.Jws, keyset, e.Id).Payload.Iss));
        var cli = await NodeProcess.RunCliAsync("withdraw", foreign, "--data", node.DataDir);
        Assert.Equal(1, cli.ExitCode);
        // A verifier holding another node's keyset refuses this node's objects.
        var jws = (await node.ChangesAsync()).Entries[0].Jws;
        var otherKeyset = await OtherNodeKeyset();
        Assert.Equal(ProtocolError.UnknownKey, Assert.Throws<ProtocolException>(() => SignedObjects.VerifyListing(jws, otherKeyset, null)).Error);
    }

    private static async Task<TrustedKeyset> OtherNodeKeyset()
    {
        await using var other = new OwnedNode();
        await other.InitializeAsync();
        return await other.TrustedKeysetAsync();
    }
}
