using System.Text.Json;

namespace Atlas.Hostile.Tests.Federation;

/// <summary>Threat model 3 and 10 end to end, with real processes: a thief copies the node's data directory (database
/// and signing key), runs it as a second node behind the address indexers use, and changes a contact. The indexer
/// holds the change back and alerts. The operator revokes the stolen key with <c>keys revoke</c>; the listings come
/// back signed by the new key and the thief's version never reaches search.</summary>
public sealed class KeyCompromiseTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Stolen_key_tampers_a_contact_which_is_held_then_revocation_restores_the_real_listings()
    {
        await using var meili = await MeilisearchProcess.StartAsync();
        await using var front = new RawPeer(); // the address every indexer knows; the network path a thief can take over
        await using var node = await HostileNode.CreateAsync("berlin", publicBaseUrl: front.Url);
        front.Target = node.Url;
        var tampered = await node.PublishAsync(Orgs.Make("Legal aid Berlin", contacts: [new { kind = "email", value = "help@legal-aid.example", visibility = "public", press = false }]));
        var bystander = await node.PublishAsync(Orgs.Make("Shelter Berlin"));
        var stolenKid = node.SigningKid;

        await using var indexer = new HostileIndexer(meili);
        await indexer.AddPeerAsync(front.Url, node.RootKid);
        await indexer.StartAsync();
        await Poll.UntilAsync(async () => (await indexer.DocumentsAsync()).Count == 2, "both listings in search", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));

        // The theft: a consistent copy of the database plus the key files, started as a second node.
        await node.CliAsync("backup", "--out", node.Temp.Combine("stolen.db"));
        await using var thief = await HostileNode.CreateAsync("berlin", publicBaseUrl: front.Url, start: false);
        File.Copy(node.Temp.Combine("stolen.db"), thief.DbPath, overwrite: true);
        foreach (var f in Directory.GetFiles(thief.DataDir, "*.db-*"))
        {
            File.Delete(f);
        }

        Directory.Delete(Path.Combine(thief.DataDir, "keys"), recursive: true);
        CopyDirectory(Path.Combine(node.DataDir, "keys"), Path.Combine(thief.DataDir, "keys"));
        var thiefToken = (await thief.CliAsync("token", "create", "--role", "editor", "--name", "thief")).StandardOutput.Trim();
        await thief.StartAsync();
        var forged = await thief.JsonAsync(HttpMethod.Put, $"/api/admin/organisations/{tampered}", thiefToken,
            Orgs.Make("Legal aid Berlin", contacts: [new { kind = "telegram", value = "@trap_for_deserters", visibility = "public", press = false }]));
        Assert.Equal(stolenKid, forged.GetProperty("kid").GetString());
        // … and plants a listing of its own (it is new: capped and flagged like any new listing, but not held).
        var planted = await thief.JsonAsync(HttpMethod.Post, "/api/admin/organisations", thiefToken, Orgs.Make("Safe house Berlin"));
        var plantedId = planted.GetProperty("id").GetString()!;
        front.Target = thief.Url; // the thief now answers for berlin

        await Poll.UntilAsync(async () => (await indexer.AlertsAsync()).Contains("contact_changed", StringComparison.Ordinal), "a contact_changed alert", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
        var held = (await indexer.DocumentsAsync()).Single(d => HostileIndexer.ListingId(d) == tampered);
        output.WriteLine("held document: " + held.GetProperty("contacts"));
        Assert.Contains("help@legal-aid.example", held.GetProperty("contacts").ToString());
        Assert.DoesNotContain("trap_for_deserters", JsonSerializer.Serialize(await indexer.DocumentsAsync()));
        // The open alert is shown on the card of the held listing.
        await Poll.UntilAsync(
            async () => (await indexer.DocumentsAsync()).Single(d => HostileIndexer.ListingId(d) == tampered).GetProperty("has_alerts").GetBoolean(),
            "has_alerts on the held listing's document",
            TimeSpan.FromSeconds(15),
            TimeSpan.FromMilliseconds(300));

        // Recovery: the operator stops the node, revokes the stolen key (re-signing everything it signed), restarts.
        await node.KillAsync();
        var revoke = await node.CliAsync("keys", "revoke", stolenKid);
        output.WriteLine(revoke.StandardOutput);
        await node.StartAsync();
        front.Target = node.Url; // the operator has the address back
        await thief.KillAsync();
        var newKid = (await NodeAudit.VerifyAsync(node)).Latest[bystander].Kid;
        Assert.NotEqual(stolenKid, newKid);

        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    var docs = await indexer.DocumentsAsync();
                    return docs.Select(HostileIndexer.ListingId).Order().SequenceEqual(new[] { tampered, bystander }.Order())
                        && docs.All(d => d.GetProperty("provenance").GetProperty("kid").GetString() == newKid);
                },
                "both listings back in search signed by the new key",
                TimeSpan.FromSeconds(40),
                TimeSpan.FromMilliseconds(500));
        }
        finally
        {
            output.WriteLine(await indexer.StatusAsync());
            output.WriteLine(await indexer.AlertsAsync());
            output.WriteLine(JsonSerializer.Serialize(await indexer.DocumentsAsync()));
        }

        var final = await indexer.DocumentsAsync();
        Assert.DoesNotContain(final, d => HostileIndexer.ListingId(d) == plantedId);
        Assert.Contains("failures: 0", await indexer.StatusAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("trap_for_deserters", JsonSerializer.Serialize(final));
        Assert.Contains("help@legal-aid.example", final.Single(d => HostileIndexer.ListingId(d) == tampered).GetProperty("contacts").ToString());
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
        {
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        }
    }
}
