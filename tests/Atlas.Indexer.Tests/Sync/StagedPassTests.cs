using Atlas.Indexer.State;
using Atlas.Protocol;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Dapper;

namespace Atlas.Indexer.Tests.Sync;

/// <summary>A pass of several change pages is staged page by page in SQLite and committed in one transaction only when
/// the head adds up (docs/protocol.md §6.2 steps 5–7): a mix-and-match or a withheld version anywhere in the feed still
/// discards the whole pass (attack 8), and the staging is left empty.</summary>
public sealed class StagedPassTests(MeilisearchFixture meili) : IClassFixture<MeilisearchFixture>
{
    [Fact]
    public async Task Mix_and_match_in_a_pass_of_several_pages_commits_nothing_and_leaves_no_staging()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("tbilisi", time: indexer.Time);
        var ids = peer.PublishMany(1200, i => Orgs.Make($"Org {i}"));
        // A validly signed version the head does not commit to, served in the second of three pages in place of the
        // version the head names (a node mixing two views).
        var victim = ids[1100];
        var unnamed = SignedObjects.SignListing(peer.PayloadOf(victim) with { Seq = 2, Prev = SignedObjects.HashOf(peer.Latest(victim)!), Org = Orgs.Make("Unnamed") }, peer.Signing);
        peer.MutatePage = page => page with { Entries = page.Entries.Select(e => e.Id == victim ? e with { Seq = 2, Jws = unnamed } : e).ToList() };
        peer.PublishMany(900, i => Orgs.Make($"Later org {i}"));
        indexer.AddPeer(peer);

        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.True(result.Error!.Contains("pass not committed", StringComparison.Ordinal), result.Error);
        Assert.NotEmpty(indexer.Alerts(AlertKinds.RootMismatch));
        Assert.Empty(await indexer.Search.DocsAsync());
        Assert.Equal(0, Count(indexer, "SELECT COUNT(*) FROM listings"));
        Assert.Equal(0, Count(indexer, "SELECT COUNT(*) FROM outbox"));
        AssertNoStaging(indexer);
        Assert.Null(indexer.Store.Read(s => s.Peers.List()).Single().HeadFeedSeq);

        // The honest feed (the version the head names) commits in full.
        peer.MutatePage = null;
        var honest = await indexer.SyncOneAsync(peer);
        Assert.True(honest.Ok, honest.Error);
        Assert.Equal(1200 + 900, (await indexer.Search.DocsAsync()).Count);
        AssertNoStaging(indexer);
    }

    [Fact]
    public async Task Withholding_one_version_of_a_later_page_commits_nothing()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("yerevan", time: indexer.Time);
        var ids = peer.PublishMany(2300, i => Orgs.Make($"Org {i}"));
        var withheld = ids[2200];
        peer.MutatePage = page => page with { Entries = page.Entries.Where(e => e.Id != withheld).ToList() };
        indexer.AddPeer(peer);

        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.True(result.Error!.Contains("pass not committed", StringComparison.Ordinal), result.Error);
        Assert.Single(indexer.Alerts(AlertKinds.RootMismatch));
        Assert.Empty(await indexer.Search.DocsAsync());
        Assert.Equal(0, Count(indexer, "SELECT COUNT(*) FROM listings"));
        AssertNoStaging(indexer);
    }

    [Fact]
    public async Task A_refused_entry_before_a_broken_page_is_kept_and_the_pass_fails()
    {
        await using var indexer = new TestIndexer(meili);
        await using var peer = await FakePeer.StartAsync("vilnius", time: indexer.Time);
        var ids = peer.PublishMany(1500, i => Orgs.Make($"Org {i}"));
        var tampered = ids[1010];
        var afterBreak = ids[1030];
        peer.MutatePage = page => page.Entries.Any(e => e.Id == tampered)
            ? page with
            {
                Entries = page.Entries.Select(e =>
                    e.Id == tampered ? e with { Jws = Tamper(e.Jws, peer.Latest(ids[0])!) }
                    : e.Id == ids[1020] ? e with { FeedSeq = 5 } // out of order: the page breaks the feed's rules here
                    : e.Id == afterBreak ? e with { Jws = Tamper(e.Jws, peer.Latest(ids[1])!) }
                    : e).ToList(),
            }
            : page;
        indexer.AddPeer(peer);

        var result = await indexer.SyncOneAsync(peer);

        Assert.False(result.Ok);
        Assert.Contains(nameof(ProtocolError.Invalid), result.Error);
        var evidence = indexer.Evidence(peer);
        Assert.Contains(evidence, e => e.ListingId == tampered && e.Reason == nameof(ProtocolError.BadSignature));
        Assert.DoesNotContain(evidence, e => e.ListingId == afterBreak);
        Assert.Empty(await indexer.Search.DocsAsync());
        Assert.Equal(0, Count(indexer, "SELECT COUNT(*) FROM listings"));
    }

    private static string Tamper(string compact, string other)
    {
        var parts = compact.Split('.');
        return $"{parts[0]}.{other.Split('.')[1]}.{parts[2]}";
    }

    private static long Count(TestIndexer indexer, string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={indexer.DatabasePath};Pooling=False");
        connection.Open();
        return connection.ExecuteScalar<long>(sql);
    }

    private static void AssertNoStaging(TestIndexer indexer)
    {
        foreach (var table in new[] { "pass_progress", "pass_versions", "pass_rows", "pass_alerts" })
        {
            Assert.True(Count(indexer, $"SELECT COUNT(*) FROM {table}") == 0, $"{table} is not empty");
        }
    }
}
