using Atlas.Indexer.Tests.Infrastructure;
using Atlas.Indexer.Tests.Peers;
using Atlas.Protocol.Model;

namespace Atlas.Indexer.Tests.Processes;

/// <summary>The operator's review loop over what the indexer held back: <c>quarantine</c> lists it, <c>release</c>
/// lets it into search after a human looked at it.</summary>
[Collection(MeiliCollection.Name)]
public sealed class ReviewCliTests(MeiliProcess meili) : IDisposable
{
    private readonly TempDir _dir = new();

    private Dictionary<string, string?> Env(string index) => new(meili.Settings(index))
    {
        ["Indexer:Database"] = Path.Combine(_dir.Path, "state.db"),
        ["Indexer:RequestTimeout"] = "00:00:03",
        ["Indexer:MaxNewOrganisationsPerNodePerDay"] = "2",
    };

    private async Task<string> Run(Dictionary<string, string?> env, params string[] args)
    {
        var result = await IndexerProcess.RunAsync(env, args);
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)}: {result.Stdout}{result.Stderr}");
        return result.Stdout;
    }

    [Fact]
    public async Task A_quarantined_burst_listing_is_listed_and_released_into_search_by_the_operator()
    {
        var index = MeiliProcess.NewIndex();
        var env = Env(index);
        await using var peer = await FakePeer.StartAsync("burst");
        peer.Publish(Orgs.Make("Review first"));
        await Run(env, "peers", "add", peer.BaseUrl, "--root", peer.Root.Kid);
        await Run(env, "sync", "--once"); // the initial import is not counted against the cap
        var ids = peer.PublishMany(3, i => Orgs.Make($"Review burst {i}"));
        await Run(env, "sync", "--once");
        var docs = await meili.AllDocumentsAsync(index);
        var held = ids.Single(id => !Has(id, docs));

        var listed = await Run(env, "quarantine");
        Assert.Contains($"burst\t{held}\tseq 1\tmore than 2 new organisations", listed);

        Assert.Contains("released quarantine", await Run(env, "release", "burst", held));
        await Run(env, "sync", "--once");
        Assert.True(Has(held, await meili.AllDocumentsAsync(index)));
        Assert.DoesNotContain(held, await Run(env, "quarantine"));
        Assert.DoesNotContain("new_node_burst\tburst\t" + held, await Run(env, "alerts"));

        var again = await IndexerProcess.RunAsync(env, "release", "burst", held);
        Assert.Equal(2, again.ExitCode);
        Assert.StartsWith("error: listing", again.Stderr);
    }

    [Fact]
    public async Task A_held_contact_change_is_shown_only_after_release()
    {
        var index = MeiliProcess.NewIndex();
        var env = Env(index);
        await using var peer = await FakePeer.StartAsync("berlin");
        var id = peer.Publish(Orgs.Make("Review contacts", email: "old@example.org"));
        await Run(env, "peers", "add", peer.BaseUrl, "--root", peer.Root.Kid);
        await Run(env, "sync", "--once");

        peer.Update(id, o => o with { Contacts = [new Contact("email", "new@example.org", null, false)] });
        await Run(env, "sync", "--once");
        Assert.Contains("old@example.org", (await meili.SearchAsync(index, """{"q":"Review contacts"}""")).ToString());
        Assert.Contains($"berlin\t{id}\tseq 2\tcontact change held until", await Run(env, "quarantine"));

        Assert.Contains("released contact hold", await Run(env, "release", "berlin", id));
        await Run(env, "sync", "--once");
        var found = (await meili.SearchAsync(index, """{"q":"Review contacts"}""")).ToString();
        Assert.Contains("new@example.org", found);
        Assert.DoesNotContain("old@example.org", found);
        Assert.Empty((await Run(env, "quarantine")).Trim());
    }

    private static bool Has(string listingId, List<System.Text.Json.JsonElement> docs) =>
        docs.Any(d => d.GetProperty("listing_id").GetString() == listingId);

    public void Dispose() => _dir.Dispose();
}

/// <summary>A document shows the names of the organisations it relates to; those names follow the targets.</summary>
[Collection(MeiliCollection.Name)]
public sealed class RelationshipNameTests(MeiliProcess meili) : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public async Task Renaming_or_withdrawing_a_coalition_refreshes_the_member_documents_that_name_it()
    {
        var index = MeiliProcess.NewIndex();
        var env = new Dictionary<string, string?>(meili.Settings(index)) { ["Indexer:Database"] = Path.Combine(_dir.Path, "state.db") };
        await using var peer = await FakePeer.StartAsync("berlin");
        var coalition = peer.Publish(Orgs.Make("Coalition Before"));
        var member = peer.Publish(Orgs.Make("Member Group", relatedTo: [coalition]));
        Assert.Equal(0, (await IndexerProcess.RunAsync(env, "peers", "add", peer.BaseUrl, "--root", peer.Root.Kid)).ExitCode);

        async Task<string> MemberRelationships()
        {
            var sync = await IndexerProcess.RunAsync(env, "sync", "--once");
            Assert.True(sync.ExitCode == 0, sync.Stdout + sync.Stderr);
            var hits = await meili.SearchAsync(index, $$"""{"filter":"listing_id = '{{member}}'"}""");
            return hits.GetProperty("hits")[0].GetProperty("relationships").ToString();
        }

        Assert.Contains("Coalition Before", await MemberRelationships());

        peer.Update(coalition, o => o with { Name = new Dictionary<string, string> { ["en"] = "Coalition After" } });
        var renamed = await MemberRelationships();
        Assert.Contains("Coalition After", renamed);
        Assert.DoesNotContain("Coalition Before", renamed);

        peer.Withdraw(coalition);
        Assert.DoesNotContain("Coalition", await MemberRelationships());
    }

    public void Dispose() => _dir.Dispose();
}
