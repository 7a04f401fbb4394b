namespace Atlas.Hostile.Tests.Faults;

/// <summary>
/// Clock skew between a node and the indexer, with real processes: each node runs with its clock shifted by
/// <c>Node:TestClockOffset</c> (the node's <see cref="TimeProvider"/>, NodeClock), so it signs its heads and listings
/// with the skewed time; the indexer runs on the real clock.
/// </summary>
public sealed class ClockSkewTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_node_a_day_ahead_or_behind_is_refused_minutes_ahead_or_an_hour_behind_is_fine()
    {
        await using var meili = await MeilisearchProcess.StartAsync();
        await using var ahead = await SkewedAsync("ahead", "1.00:00:00");
        await using var behind = await SkewedAsync("behind", "-1.00:00:00");
        await using var hourBehind = await SkewedAsync("hour-behind", "-01:00:00");
        await using var minutesAhead = await SkewedAsync("minutes-ahead", "00:05:00");
        var listings = new Dictionary<HostileNode, string>();
        foreach (var n in new[] { ahead, behind, hourBehind, minutesAhead })
        {
            listings[n] = await n.PublishAsync(Orgs.Make($"Skewed {n.NodeId}"));
        }
        await using var indexer = new HostileIndexer(meili);
        foreach (var n in new[] { ahead, behind, hourBehind, minutesAhead })
        {
            await indexer.AddPeerAsync(n.Url, n.RootKid);
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
        Assert.Equal(new[] { listings[minutesAhead], listings[hourBehind] }.ToHashSet(), ids);
        var status = await indexer.StatusAsync();
        output.WriteLine(status);
        Assert.Matches(@"(?s)behind http\S+\n.*?hidden: feed head expired.*?last error: Expired", status);
        Assert.Matches(@"(?s)#\d+ ahead http\S+\n.*?last error: Invalid: Feed head of 'ahead' is dated", status);
        // Tolerated drift is visible to the operator: a negative lag means the node's clock runs ahead.
        Assert.Matches(@"(?s)minutes-ahead http\S+\n.*?lag: -(2\d\d|3\d\d) s", status);
    }

    /// <summary>A real node whose clock is off by <paramref name="offset"/> (a TimeSpan as configuration writes it).</summary>
    private static Task<HostileNode> SkewedAsync(string nodeId, string offset) =>
        HostileNode.CreateAsync(nodeId, new Dictionary<string, string?> { ["Node__TestClockOffset"] = offset });
}
