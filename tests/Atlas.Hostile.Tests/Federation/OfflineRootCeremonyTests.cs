using System.Net;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Atlas.TestKit.Processes;
using Microsoft.Data.Sqlite;

namespace Atlas.Hostile.Tests.Federation;

/// <summary>t-of-n root keys held offline, end to end with real processes: a node made with 3 roots and threshold 2,
/// an indexer that pinned one of them, a root rotation signed by two holders on "separate machines" (separate
/// directories, separate processes, one key file each, no database), imported and published; and a rotation one
/// root signed, refused by the node's CLI and, when forced onto the wire, by the indexer.</summary>
public sealed class OfflineRootCeremonyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Root_rotation_signed_by_two_of_three_offline_roots_is_followed_and_one_signature_is_refused()
    {
        using var holders = new TempDirectory("atlas-root-holders");
        var printed = holders.Combine("printed");
        await using var meili = await MeilisearchProcess.StartAsync();
        await using var node = await HostileNode.CreateAsync("vilnius", initArgs: ["--roots", "3", "--threshold", "2", "--root-keys", printed]);
        Assert.Equal(3, node.RootKids.Count);
        Assert.Empty(Directory.GetFiles(Path.Combine(node.DataDir, "keys"), "*.key"));

        // Each root key file goes to its holder's machine; nothing of it stays where init wrote it.
        var machines = new string[3];
        for (var i = 0; i < 3; i++)
        {
            machines[i] = holders.Combine($"machine{i + 1}");
            Directory.CreateDirectory(machines[i]);
            File.Move(Path.Combine(printed, $"root{i + 1}.key"), Path.Combine(machines[i], $"root{i + 1}.key"));
        }

        var first = await node.PublishAsync(Orgs.Make("Before the rotation", city: "Vilnius", country: "LT"));
        await using var indexer = new HostileIndexer(meili);
        // Pin the third root: the one the rotation drops. The indexer must follow the chain all the same.
        await indexer.AddPeerAsync(node.BaseUrl, node.RootKids[2]);
        await indexer.StartAsync();
        await Poll.UntilAsync(async () => (await indexer.DocumentsAsync()).Select(HostileIndexer.ListingId).SequenceEqual([first]), "the first listing in search", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));

        // Online keyset changes are refused: the roots are not on the server.
        var online = await node.CliAsync(["keys", "rotate"], allowFailure: true);
        Assert.Equal(1, online.ExitCode);
        Assert.Contains("signing ceremony", online.StandardError, StringComparison.Ordinal);

        // The request: drop root 3, add a new root 4 (its file goes to a fourth holder), threshold stays 2.
        var request = node.Temp.Combine("rotate.json");
        var newKeys = holders.Combine("new-root");
        var made = await node.CliAsync("keys", "rotate-root", "--request", request, "--drop", node.RootKids[2], "--add", "1", "--keys-out", newKeys);
        output.WriteLine(made.StandardOutput);
        var newRoot = made.StandardOutput.Split('\n').Single(l => l.StartsWith("new root-kid: ", StringComparison.Ordinal))["new root-kid: ".Length..].Split(' ')[0];
        Assert.Equal(1, node.Scalar<long>("SELECT max(version) FROM keysets"));

        // Holders 1 and 2 sign on their own machines: separate processes, separate directories, no --data.
        var sig1 = await SignOnMachineAsync(machines[0], request, "root1.key", "sig1.json", expectSuccess: true);
        var sig2 = await SignOnMachineAsync(machines[1], request, "root2.key", "sig2.json", expectSuccess: true);

        // Refusals: threshold not met (one signature), duplicate signer, a signature for another request, a non-root.
        await ExpectImportRefusedAsync(node, request, [sig1], "Threshold not met");
        await ExpectImportRefusedAsync(node, request, [sig1, sig1], "duplicate signer");
        var otherRequest = node.Temp.Combine("other.json");
        await node.CliAsync("keys", "rotate-root", "--request", otherRequest, "--threshold", "3");
        var sigOther = await SignOnMachineAsync(machines[0], otherRequest, "root1.key", "sig-other.json", expectSuccess: true);
        await ExpectImportRefusedAsync(node, request, [sigOther, sig2], "not this request");
        string strangerKid;
        using (var stranger = AtlasKey.Generate())
        {
            strangerKid = stranger.Kid;
            File.WriteAllText(holders.Combine("stranger.key"), stranger.ExportPrivatePem());
        }
        var refused = await RunAsync(holders.Path, ["keys", "sign-request", request, "--key", "stranger.key", "--out", "stranger.json"]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("is not a root", refused.StandardError, StringComparison.Ordinal);
        var forgedSig = File.ReadAllText(sig1).Replace(node.RootKids[0], strangerKid, StringComparison.Ordinal);
        File.WriteAllText(holders.Combine("forged.json"), forgedSig);
        await ExpectImportRefusedAsync(node, request, [holders.Combine("forged.json"), sig2], "is not a root");
        Assert.Equal(1, node.Scalar<long>("SELECT max(version) FROM keysets"));

        // Two of three: published.
        var imported = await node.CliAsync("keys", "import-signatures", "--request", request, sig1, sig2);
        output.WriteLine(imported.StandardOutput);
        Assert.Equal(2, node.Scalar<long>("SELECT max(version) FROM keysets"));
        var roots = node.Column("SELECT kid FROM node_keys WHERE role = 'root' AND status = 'current' ORDER BY kid");
        Assert.Equal(new[] { node.RootKids[0], node.RootKids[1], newRoot }.Order(StringComparer.Ordinal), roots);

        // The indexer that pinned the dropped root follows the chain and keeps syncing.
        var second = await node.PublishAsync(Orgs.Make("After the rotation", city: "Vilnius", country: "LT"));
        await Poll.UntilAsync(async () => (await indexer.DocumentsAsync()).Count == 2, "the listing published after the rotation in search", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
        Assert.Contains("keyset: v2", await indexer.StatusAsync(), StringComparison.Ordinal);
        Assert.Contains(second, (await indexer.DocumentsAsync()).Select(HostileIndexer.ListingId));

        // A version 3 signed by root 1 alone, forced onto the wire (written straight into the node's database): the
        // indexer refuses it and stays at version 2; the node's own listings stay in search.
        var v2 = TrustedKeyset.Restore(node.Column("SELECT jws FROM keysets WHERE version = 2").Single()).Payload;
        using var root1 = AtlasKey.FromPrivatePem(File.ReadAllText(Path.Combine(machines[0], "root1.key")));
        var forged = SignedObjects.SignKeyset(v2 with { Version = 3, Iat = v2.Iat + 1 }, [root1]);
        using (var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = node.DbPath, Pooling = false }.ToString()))
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "INSERT INTO keysets (version, jws, created_at, exp) VALUES (3, $jws, $iat, $exp)";
            cmd.Parameters.AddWithValue("$jws", forged);
            cmd.Parameters.AddWithValue("$iat", v2.Iat + 1);
            cmd.Parameters.AddWithValue("$exp", v2.Exp);
            cmd.ExecuteNonQuery();
        }

        using (var served = await node.Http.GetAsync("/atlas/v1/keyset"))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal(forged, await served.Content.ReadAsStringAsync());
        }

        await Poll.UntilAsync(async () => (await indexer.StatusAsync()).Contains("1 valid signature(s) by version 2's root keys; 2 required", StringComparison.Ordinal),
            "the indexer to refuse the keyset one root signed", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));
        var status = await indexer.StatusAsync();
        output.WriteLine(status);
        Assert.Contains("keyset: v2", status, StringComparison.Ordinal);
        Assert.Equal(2, (await indexer.DocumentsAsync()).Count);
    }

    private async Task<string> SignOnMachineAsync(string machine, string requestOnNode, string keyFile, string signatureFile, bool expectSuccess)
    {
        // The request travels to the machine (a USB stick, a message); the signature comes back.
        var request = Path.Combine(machine, Path.GetFileName(requestOnNode));
        File.Copy(requestOnNode, request, overwrite: true);
        var result = await RunAsync(machine, ["keys", "sign-request", Path.GetFileName(request), "--key", keyFile, "--out", signatureFile]);
        Assert.True(!expectSuccess || result.ExitCode == 0, result.ToString());
        output.WriteLine(result.StandardOutput);
        return Path.Combine(machine, signatureFile);
    }

    private static async Task<ProcessResult> RunAsync(string workingDirectory, string[] args)
    {
        var spec = ProcessSpec.Dotnet(RepoPaths.ApiDll, args).WithEnvironment("Node__DataDir", null).WithEnvironment("DOTNET_NOLOGO", "1")
            with { WorkingDirectory = workingDirectory, Name = "root holder" };
        return await ProcessHost.RunToExitAsync(spec, TimeSpan.FromSeconds(60));
    }

    private static async Task ExpectImportRefusedAsync(HostileNode node, string request, string[] signatures, string because)
    {
        var result = await node.CliAsync(["keys", "import-signatures", "--request", request, .. signatures], allowFailure: true);
        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(because, line, StringComparison.Ordinal);
    }
}
