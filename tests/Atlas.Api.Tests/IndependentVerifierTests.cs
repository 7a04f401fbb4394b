using System.Text;
using Atlas.Api.Tests.Infrastructure;
using Atlas.Protocol.Signing;

namespace Atlas.Api.Tests;

/// <summary>independent/verify_listing.py checks the node with Python's `cryptography` only: no shared code
/// with the .NET protocol library, so a bug common to signer and verifier cannot hide.</summary>
public sealed class IndependentVerifierTests(TestNode node) : IClassFixture<TestNode>
{
    private static string Script => Path.Combine(RepoPaths.Root, "tests", "Atlas.Api.Tests", "independent", "verify_listing.py");

    [Fact]
    public async Task Python_verifier_accepts_a_real_listing_and_rejects_a_tampered_one()
    {
        var id = await node.SubmitAndApproveAsync(Samples.Org("Checked From Python"));

        var ok = await ProcessHost.RunToExitAsync(new ProcessSpec("python3", [Script, node.BaseUrl, "--root-kid", node.RootKid, "--listing-id", id]));
        Assert.True(ok.ExitCode == 0, ok.StandardError);
        Assert.Contains($"listing {id} seq 1", ok.StandardOutput);

        var jws = await node.GetStringAsync($"/atlas/v1/listings/{id}");
        var parts = jws.Split('.');
        var payload = Encoding.UTF8.GetString(Base64Url.Decode(parts[1])).Replace("Checked From Python", "Checked From Moscow");
        var tampered = node.Temp.Combine("tampered.jws");
        await File.WriteAllTextAsync(tampered, $"{parts[0]}.{Base64Url.Encode(Encoding.UTF8.GetBytes(payload))}.{parts[2]}");
        var bad = await ProcessHost.RunToExitAsync(new ProcessSpec("python3", [Script, node.BaseUrl, "--root-kid", node.RootKid, "--listing-id", id, "--listing-file", tampered]));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("signature does not verify", bad.StandardError);

        // The untampered copy read from a file passes: the failure above is the tampering, not the file path.
        var original = node.Temp.Combine("original.jws");
        await File.WriteAllTextAsync(original, jws);
        Assert.Equal(0, (await ProcessHost.RunToExitAsync(new ProcessSpec("python3", [Script, node.BaseUrl, "--listing-id", id, "--listing-file", original]))).ExitCode);

        // A wrong pinned root fails too.
        Assert.Equal(1, (await ProcessHost.RunToExitAsync(new ProcessSpec("python3", [Script, node.BaseUrl, "--root-kid", "AAAA" + node.RootKid[4..]]))).ExitCode);
    }
}
