using System.Net;
using Atlas.Api.Tests.Infrastructure;
using Atlas.Protocol;
using Atlas.Protocol.Verification;

namespace Atlas.Api.Tests;

/// <summary>Each test owns its node: key operations change the whole node.</summary>
public sealed class KeyLifecycleTests
{
    [Fact]
    public async Task Rotation_keeps_old_listings_verifiable_until_revocation_then_revoke_resigns_them()
    {
        await using var node = await Started();
        var old = await node.SubmitAndApproveAsync(Samples.Org("Signed By Old Key"));
        var oldJws = await node.GetStringAsync($"/atlas/v1/listings/{old}");
        var oldKid = SignedObjects.VerifyListing(oldJws, await node.TrustedKeysetAsync(), old).Kid;

        var rotation = await node.JsonAsync(HttpMethod.Post, "/api/admin/keys/rotate", node.AdminToken);
        var newKid = rotation.GetProperty("kid").GetString()!;
        Assert.NotEqual(oldKid, newKid);
        Assert.Equal(2, rotation.GetProperty("keyset_version").GetInt64());

        // After rotation: the old listing still verifies (retired key), new ones use the new key.
        var afterRotation = await node.TrustedKeysetAsync();
        Assert.Equal(oldJws, SignedObjects.VerifyListing(await node.GetStringAsync($"/atlas/v1/listings/{old}"), afterRotation, old).Jws);
        var fresh = await node.SubmitAndApproveAsync(Samples.Org("Signed By New Key"));
        Assert.Equal(newKid, SignedObjects.VerifyListing(await node.GetStringAsync($"/atlas/v1/listings/{fresh}"), afterRotation, fresh).Kid);
        SignedObjects.VerifyHead(await node.GetStringAsync("/atlas/v1/head"), afterRotation, DateTimeOffset.UtcNow);

        // Revoke the old key (CLI, node stopped so nothing else writes meanwhile).
        await node.StopAsync();
        var output = await node.Cli("keys", "revoke", oldKid);
        Assert.Contains("re-signed 1 listings", output);
        await node.StartAsync();

        var afterRevoke = await node.TrustedKeysetAsync();
        Assert.Contains(oldKid, (IEnumerable<string>)afterRevoke.Revoked);
        var ex = Assert.Throws<ProtocolException>(() => SignedObjects.VerifyListing(oldJws, afterRevoke, old));
        Assert.Equal(ProtocolError.RevokedKey, ex.Error);

        var resigned = SignedObjects.VerifyListing(await node.GetStringAsync($"/atlas/v1/listings/{old}"), afterRevoke, old);
        Assert.Equal(2, resigned.Payload.Seq);
        Assert.Equal(SignedObjects.HashOf(oldJws), resigned.Payload.Prev);
        Assert.Equal("Signed By Old Key", resigned.Payload.Org!.Name["en"]);
        Assert.NotEqual(oldKid, resigned.Kid);

        // The whole feed verifies with the latest keyset and matches the head.
        var head = SignedObjects.VerifyHead(await node.GetStringAsync("/atlas/v1/head"), afterRevoke, DateTimeOffset.UtcNow);
        var page = await node.ChangesAsync($"?until={head.Payload.FeedSeq}");
        var verified = page.Entries.Select(e => SignedObjects.VerifyListing(e.Jws, afterRevoke, e.Id)).ToList();
        Assert.Equal(head.Payload.Root, HeadRoot.Compute(verified.Select(v => (v.Payload.Id, v.Payload.Seq, v.Hash))));
        Assert.DoesNotContain(verified, v => v.Kid == oldKid);
        Assert.False(File.Exists(Path.Combine(node.DataDir, "keys", oldKid + ".pem")), "the revoked private key is deleted");

        // Revoking twice, or a key that does not exist, is a one-line CLI error.
        var again = await NodeProcess.RunCliAsync("keys", "revoke", oldKid, "--data", node.DataDir);
        Assert.Equal(1, again.ExitCode);
        Assert.Single(again.StandardError.Trim().Split('\n'));
    }

    [Fact]
    public async Task Revoking_the_key_of_a_tombstone_resigns_the_tombstone()
    {
        await using var node = await Started();
        var id = await node.SubmitAndApproveAsync(Samples.Org("Gone"));
        await node.JsonAsync(HttpMethod.Post, $"/api/admin/organisations/{id}/withdraw", node.EditorToken);
        var tomb = SignedObjects.VerifyListing(await node.GetStringAsync($"/atlas/v1/listings/{id}"), await node.TrustedKeysetAsync(), id);
        await node.StopAsync();
        await node.Cli("keys", "revoke", tomb.Kid);
        await node.StartAsync();
        var again = SignedObjects.VerifyListing(await node.GetStringAsync($"/atlas/v1/listings/{id}"), await node.TrustedKeysetAsync(), id);
        Assert.True(again.IsTombstone);
        Assert.Equal(3, again.Payload.Seq);
        Assert.Equal(tomb.Hash, again.Payload.Prev);
    }

    [Fact]
    public async Task Root_rotation_is_accepted_by_a_verifier_pinned_to_the_old_root()
    {
        await using var node = await Started();
        var id = await node.SubmitAndApproveAsync(Samples.Org("Before Root Rotation"));
        await node.StopAsync();
        var output = await node.Cli("keys", "rotate-root");
        await node.StartAsync();
        Assert.Contains("new root key", output);
        // TrustedKeysetAsync pins the ORIGINAL root kid and walks v1 → v2 with VerifyNext.
        var keyset = await node.TrustedKeysetAsync();
        Assert.DoesNotContain(node.RootKid, keyset.Roots.Keys);
        SignedObjects.VerifyListing(await node.GetStringAsync($"/atlas/v1/listings/{id}"), keyset, id);
    }

    [Fact]
    public async Task Online_backup_restores_byte_identical_listings()
    {
        await using var node = await Started();
        var a = await node.SubmitAndApproveAsync(Samples.Org("Backup A"));
        var b = await node.SubmitAndApproveAsync(Samples.Org("Backup B"));
        await node.JsonAsync(HttpMethod.Put, $"/api/admin/organisations/{a}", node.EditorToken, Samples.Org("Backup A2"));
        await node.JsonAsync(HttpMethod.Post, $"/api/admin/organisations/{b}/withdraw", node.EditorToken);
        var before = await node.ChangesAsync();
        var keysetBefore = await node.GetStringAsync("/atlas/v1/keyset");

        // Backup while the node is running (SQLite online backup).
        var backup = node.Temp.Combine("backup.db");
        await node.Cli("backup", "--out", backup);
        Assert.Equal(1, (await NodeProcess.RunCliAsync("backup", "--out", backup, "--data", node.DataDir)).ExitCode); // never overwrites

        // Restore = stop, copy the backup file in place (keys/ come from their own backup), start.
        await node.StopAsync();
        File.Delete(Path.Combine(node.DataDir, "atlas.db-wal"));
        File.Delete(Path.Combine(node.DataDir, "atlas.db-shm"));
        File.Copy(backup, Path.Combine(node.DataDir, "atlas.db"), overwrite: true);
        await node.StartAsync();

        var after = await node.ChangesAsync();
        Assert.Equal(before.Entries.Select(e => (e.FeedSeq, e.Id, e.Seq, e.Jws)), after.Entries.Select(e => (e.FeedSeq, e.Id, e.Seq, e.Jws)));
        Assert.Equal(keysetBefore, await node.GetStringAsync("/atlas/v1/keyset"));
        Assert.Equal(before.Entries.Single(e => e.Id == a).Jws, await node.GetStringAsync($"/atlas/v1/listings/{a}"));
        var keyset = await node.TrustedKeysetAsync();
        Assert.Equal(before.Until, SignedObjects.VerifyHead(await node.GetStringAsync("/atlas/v1/head"), keyset, DateTimeOffset.UtcNow).Payload.FeedSeq);
    }

    private static async Task<OwnedNode> Started()
    {
        var node = new OwnedNode();
        await node.InitializeAsync();
        return node;
    }
}

/// <summary>A node owned by one test (disposed with await using).</summary>
public sealed class OwnedNode : TestNode, IAsyncDisposable
{
    public OwnedNode(IDictionary<string, string>? env = null)
        : base("berlin", env)
    {
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();
}
