using Atlas.Protocol.Model;

namespace Atlas.Indexer.Tests.Processes;

/// <summary>The operator's review loop over what the indexer held back: <c>quarantine</c> lists it, <c>release</c>
/// lets it into search after a human looked at it.</summary>
[Collection(IndexerMeilisearchCollection.Name)]
public sealed class ReviewCliTests(MeilisearchFixture meili) : IDisposable
{
    private readonly TempDirectory _dir = new("atlas-idx-review");

    private Dictionary<string, string?> Env(string index) => new(IndexerProcess.CreateSettings(_dir.Combine("state.db"), meili.Url, meili.MasterKey, index))
    {
        ["Indexer:RequestTimeout"] = "00:00:03",
        ["Indexer:MaxNewOrganisationsPerNodePerDay"] = "2",
    };

    private static async Task<string> Run(Dictionary<string, string?> env, params string[] args)
    {
        var result = await IndexerProcess.RunCliAsync(env, args);
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)}: {result.StandardOutput}{result.StandardError}");
        return result.StandardOutput;
    }

    [Fact]
    public async Task A_quarantined_burst_listing_is_listed_and_released_into_search_by_the_operator()
    {
        using var search = new SearchProbe(meili, MeilisearchFixture.NewIndexUid("review"));
        var env = Env(search.Index);
        await using var peer = await FakePeer.StartAsync("burst");
        peer.Publish(Orgs.Make("Review first"));
        await Run(env, "peers", "add", peer.BaseUrl, "--root", peer.Root.Kid);
        await Run(env, "sync", "--once"); // the initial import is not counted against the cap
        var ids = peer.PublishMany(3, i => Orgs.Make($"Review burst {i}"));
        await Run(env, "sync", "--once");
        var docs = await search.DocsAsync();
        var held = ids.Single(id => docs.All(d => d.ListingId != id));

        Assert.Contains($"burst\t{held}\tseq 1\tmore than 2 new organisations", await Run(env, "quarantine"));

        Assert.Contains("released quarantine", await Run(env, "release", "burst", held));
        await Run(env, "sync", "--once");
        Assert.NotEmpty(await search.DocsOfAsync(held));
        Assert.DoesNotContain(held, await Run(env, "quarantine"));
        Assert.DoesNotContain($"new_node_burst\tburst\t{held}", await Run(env, "alerts"));

        var again = await IndexerProcess.RunCliAsync(env, "release", "burst", held);
        Assert.Equal(1, again.ExitCode); // refused by the state, not a usage error
        Assert.StartsWith("error: listing", again.StandardError);
    }

    [Fact]
    public async Task A_held_contact_change_is_shown_only_after_release()
    {
        using var search = new SearchProbe(meili, MeilisearchFixture.NewIndexUid("review"));
        var env = Env(search.Index);
        await using var peer = await FakePeer.StartAsync("berlin");
        var id = peer.Publish(Orgs.Make("Review contacts", email: "old@example.org"));
        await Run(env, "peers", "add", peer.BaseUrl, "--root", peer.Root.Kid);
        await Run(env, "sync", "--once");

        peer.Update(id, o => o with { Contacts = [new Contact("email", "new@example.org", null, false)] });
        await Run(env, "sync", "--once");
        Assert.Equal("old@example.org", Assert.Single(await search.DocsOfAsync(id)).Contacts.Single().Value);
        Assert.Contains($"berlin\t{id}\tseq 2\tcontact change held until", await Run(env, "quarantine"));

        Assert.Contains("released contact hold", await Run(env, "release", "berlin", id));
        await Run(env, "sync", "--once");
        Assert.Equal("new@example.org", Assert.Single(await search.DocsOfAsync(id)).Contacts.Single().Value);
        Assert.Empty((await Run(env, "quarantine")).Trim());
    }

    /// <summary>A document shows the names of the organisations it relates to; those names follow the targets.</summary>
    [Fact]
    public async Task Renaming_or_withdrawing_a_coalition_refreshes_the_member_documents_that_name_it()
    {
        using var search = new SearchProbe(meili, MeilisearchFixture.NewIndexUid("review"));
        var env = Env(search.Index);
        await using var peer = await FakePeer.StartAsync("berlin");
        var coalition = peer.Publish(Orgs.Make("Coalition Before"));
        var member = peer.Publish(Orgs.Make("Member Group", relatedTo: [coalition]));
        await Run(env, "peers", "add", peer.BaseUrl, "--root", peer.Root.Kid);

        async Task<string?> TargetName()
        {
            await Run(env, "sync", "--once");
            var relationship = Assert.Single(Assert.Single(await search.DocsOfAsync(member)).Relationships);
            return relationship.TargetName?["en"];
        }

        Assert.Equal("Coalition Before", await TargetName());
        peer.Update(coalition, o => o with { Name = new Dictionary<string, string> { ["en"] = "Coalition After" } });
        Assert.Equal("Coalition After", await TargetName());
        peer.Withdraw(coalition);
        Assert.Null(await TargetName());
    }

    public void Dispose() => _dir.Dispose();
}
