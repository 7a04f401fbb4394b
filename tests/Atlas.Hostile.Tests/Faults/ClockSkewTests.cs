using System.Text.Json;
using System.Web;
using Atlas.Protocol;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Atlas.Protocol.Verification;

namespace Atlas.Hostile.Tests.Faults;

/// <summary>
/// Clock skew between a node and the indexer. The node has no clock hook (it signs with the system time), so the
/// skewed node is simulated: a protocol-complete peer whose keyset, listing and heads carry iat/exp shifted by the
/// skew, signed with its real keys. The indexer process is real.
/// </summary>
public sealed class ClockSkewTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_node_a_day_ahead_or_behind_is_refused_minutes_ahead_or_an_hour_behind_is_fine()
    {
        await using var meili = await MeilisearchProcess.StartAsync();
        await using var ahead = SkewedNode.Start("ahead", TimeSpan.FromDays(1));
        await using var behind = SkewedNode.Start("behind", TimeSpan.FromDays(-1));
        await using var hourBehind = SkewedNode.Start("hour-behind", TimeSpan.FromHours(-1));
        await using var minutesAhead = SkewedNode.Start("minutes-ahead", TimeSpan.FromMinutes(5));
        await using var indexer = new HostileIndexer(meili);
        foreach (var n in new[] { ahead, behind, hourBehind, minutesAhead })
        {
            await indexer.AddPeerAsync(n.Peer.Url, n.Keys.Root.Kid);
        }

        var sync = await indexer.CliAsync(["sync", "--once"], allowFailure: true);
        output.WriteLine(sync.ToString());
        Assert.NotEqual(0, sync.ExitCode); // peers failed, and the exit code says so
        // A head dated a day ahead could stay "fresh" a day too long (or for ever): refused, with the reason.
        Assert.Matches(@"FAILED\s+\S*\s+Invalid: Feed head of 'ahead' is dated .* in the future", sync.StandardOutput);
        Assert.Matches(@"ok\s+minutes-ahead", sync.StandardOutput);
        Assert.Matches(@"ok\s+hour-behind", sync.StandardOutput);
        Assert.Matches(@"FAILED\s+\S*\s+Expired: Feed head of 'behind' expired", sync.StandardOutput);

        await indexer.StartAsync();
        await Poll.UntilAsync(async () => (await indexer.DocumentsAsync()).Count == 2, "the two acceptable listings in search", TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200));
        await indexer.KillAsync();
        var ids = (await indexer.DocumentsAsync()).Select(HostileIndexer.ListingId).ToHashSet();
        Assert.Equal(new[] { minutesAhead.ListingId, hourBehind.ListingId }.ToHashSet(), ids);
        var status = await indexer.StatusAsync();
        output.WriteLine(status);
        Assert.Matches(@"(?s)behind http\S+\n.*?hidden: feed head expired.*?last error: Expired", status);
        Assert.Matches(@"(?s)#\d+ ahead http\S+\n.*?last error: Invalid: Feed head of 'ahead' is dated", status);
        // Tolerated drift is visible to the operator: a negative lag means the node's clock runs ahead.
        Assert.Matches(@"(?s)minutes-ahead http\S+\n.*?lag: -(2\d\d|3\d\d) s", status);
    }

    /// <summary>A minimal, correct atlas/1 node whose clock is off by <c>skew</c>: one listing, keyset v1, one head.</summary>
    private sealed class SkewedNode : IAsyncDisposable
    {
        private SkewedNode(string nodeId, TimeSpan skew)
        {
            Keys = new TestNodeKeys(nodeId);
            Peer = new RawPeer();
            var now = DateTimeOffset.UtcNow.Add(skew).ToUnixTimeSeconds();
            var keyset = SignedObjects.SignKeyset(
                new KeysetPayload(nodeId, 1, now, now + (86_400 * 365), 1, [Keys.Root.ToKeyEntry()], [Keys.Signing.ToKeyEntry(KeyStatus.Current)], []),
                [Keys.Root]);
            ListingId = Guid.NewGuid().ToString();
            var listing = SignedObjects.SignListing(
                new ListingPayload(nodeId, ListingId, 1, null, now, ListingStatus.Active, SampleOrganisations.Minimal($"Skewed {nodeId}")), Keys.Signing);
            var hash = SignedObjects.HashOf(listing);
            var head = SignedObjects.SignHead(new HeadPayload(nodeId, 1, now, now + 86_400, 1, 1, HeadRoot.Compute([(ListingId, 1, hash)])), Keys.Signing);
            var b = Peer.Url.ToString().TrimEnd('/');
            var descriptor = JsonSerializer.Serialize(
                new NodeDescriptor(ProtocolLimits.ProtocolVersion, nodeId, $"Atlas {nodeId}", b, "test", "CC-BY-4.0", new NodeLinks(
                    $"{b}/atlas/v1/keyset", $"{b}/atlas/v1/keyset/{{version}}", $"{b}/atlas/v1/head", $"{b}/atlas/v1/changes", $"{b}/atlas/v1/listings/{{id}}",
                    $"{b}/api/submissions", $"{b}/api/organisations", $"{b}/api/vocabulary", $"{b}/openapi/v1.json")),
                ProtocolJsonContext.Default.NodeDescriptor);
            Peer.Handler = target =>
            {
                var uri = new Uri(new Uri(b), target);
                return uri.AbsolutePath switch
                {
                    "/.well-known/atlas-node" => (200, "application/json", descriptor),
                    "/atlas/v1/keyset" or "/atlas/v1/keyset/1" => (200, "application/jose+json", keyset),
                    "/atlas/v1/head" => (200, "application/jose", head),
                    "/atlas/v1/changes" => (200, "application/json", JsonSerializer.Serialize(
                        new ChangePage(nodeId, 1, long.Parse(HttpUtility.ParseQueryString(uri.Query)["after"] ?? "0") < 1 ? [new ChangeEntry(1, ListingId, 1, listing)] : [], null),
                        ProtocolJsonContext.Default.ChangePage)),
                    _ when uri.AbsolutePath == $"/atlas/v1/listings/{ListingId}" => (200, "application/jose", listing),
                    _ => (404, "application/problem+json", """{"status":404}"""),
                };
            };
        }

        public TestNodeKeys Keys { get; }

        public RawPeer Peer { get; }

        public string ListingId { get; }

        public static SkewedNode Start(string nodeId, TimeSpan skew) => new(nodeId, skew);

        public async ValueTask DisposeAsync()
        {
            await Peer.DisposeAsync();
            Keys.Dispose();
        }
    }
}
