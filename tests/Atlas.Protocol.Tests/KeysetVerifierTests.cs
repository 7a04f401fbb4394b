using Atlas.Protocol;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Atlas.TestKit;

namespace Atlas.Protocol.Tests;

public class KeysetVerifierTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public void First_keyset_must_name_and_be_signed_by_the_pinned_root()
    {
        using var node = new TestNodeKeys();
        using var stranger = AtlasKey.Generate();
        Assert.Equal(1, KeysetVerifier.VerifyFirst(node.SignedKeyset(), node.Root.Kid, Now).Version);
        Assert.Equal(ProtocolError.PinMismatch, Assert.Throws<ProtocolException>(() => KeysetVerifier.VerifyFirst(node.SignedKeyset(), stranger.Kid, Now)).Error);
    }

    [Fact]
    public void Rotation_keeps_retired_key_verifying_and_next_version_needs_old_roots()
    {
        using var node = new TestNodeKeys();
        using var next = AtlasKey.Generate();
        var v1 = KeysetVerifier.VerifyFirst(node.SignedKeyset(), node.Root.Kid, Now);
        var listing = node.Listing("2f1c9a4e-7b3d-4c2a-9e1f-0a1b2c3d4e5f");

        var v2Payload = node.KeysetPayload(2, signing: [node.Signing.ToKeyEntry(KeyStatus.Retired), next.ToKeyEntry(KeyStatus.Current)]);
        var v2 = KeysetVerifier.VerifyNext(v1, SignedObjects.SignKeyset(v2Payload, [node.Root]), Now);
        Assert.Equal(1, SignedObjects.VerifyListing(listing, v2).Payload.Seq);

        // Revocation voids everything the key signed, whatever its timestamp.
        var v3Payload = node.KeysetPayload(3, signing: [next.ToKeyEntry(KeyStatus.Current)], revoked: [node.Signing.Kid]);
        var v3 = KeysetVerifier.VerifyNext(v2, SignedObjects.SignKeyset(v3Payload, [node.Root]), Now);
        Assert.Equal(ProtocolError.RevokedKey, Assert.Throws<ProtocolException>(() => SignedObjects.VerifyListing(listing, v3)).Error);
    }

    [Fact]
    public void Rollback_gap_and_foreign_root_are_rejected()
    {
        using var node = new TestNodeKeys();
        using var thief = AtlasKey.Generate();
        var v1 = KeysetVerifier.VerifyFirst(node.SignedKeyset(), node.Root.Kid, Now);
        var v2 = KeysetVerifier.VerifyNext(v1, node.SignedKeyset(2), Now);

        Assert.Equal(ProtocolError.KeysetRollback, Assert.Throws<ProtocolException>(() => KeysetVerifier.VerifyNext(v2, node.SignedKeyset(1), Now)).Error);
        Assert.Equal(ProtocolError.KeysetGap, Assert.Throws<ProtocolException>(() => KeysetVerifier.VerifyNext(v2, node.SignedKeyset(4), Now)).Error);

        // A thief's root replaces the real one: not signed by version 2's roots.
        var hijack = SignedObjects.SignKeyset(node.KeysetPayload(3, roots: [thief]), [thief]);
        Assert.Equal(ProtocolError.KeysetThreshold, Assert.Throws<ProtocolException>(() => KeysetVerifier.VerifyNext(v2, hijack, Now)).Error);
    }

    [Fact]
    public void Threshold_below_t_of_n_is_rejected()
    {
        using var node = new TestNodeKeys();
        using var root2 = AtlasKey.Generate();
        using var root3 = AtlasKey.Generate();
        var first = SignedObjects.SignKeyset(node.KeysetPayload(1, roots: [node.Root, root2, root3], threshold: 2), [node.Root, root2]);
        var v1 = KeysetVerifier.VerifyFirst(first, node.Root.Kid, Now);

        var oneSignature = SignedObjects.SignKeyset(node.KeysetPayload(2, roots: [node.Root, root2, root3], threshold: 2), [node.Root]);
        Assert.Equal(ProtocolError.KeysetThreshold, Assert.Throws<ProtocolException>(() => KeysetVerifier.VerifyNext(v1, oneSignature, Now)).Error);

        var two = SignedObjects.SignKeyset(node.KeysetPayload(2, roots: [node.Root, root2, root3], threshold: 2), [root2, root3]);
        Assert.Equal(2, KeysetVerifier.VerifyNext(v1, two, Now).Version);
    }

    [Fact]
    public void Expired_keyset_and_undone_revocation_are_rejected()
    {
        using var node = new TestNodeKeys();
        using var old = AtlasKey.Generate();
        Assert.Equal(ProtocolError.Expired, Assert.Throws<ProtocolException>(() =>
            KeysetVerifier.VerifyFirst(node.SignedKeyset(exp: TestNodeKeys.Now - 10), node.Root.Kid, Now)).Error);

        var v1 = KeysetVerifier.VerifyFirst(SignedObjects.SignKeyset(node.KeysetPayload(1, revoked: [old.Kid]), [node.Root]), node.Root.Kid, Now);
        var undo = SignedObjects.SignKeyset(node.KeysetPayload(2), [node.Root]);
        Assert.Equal(ProtocolError.Invalid, Assert.Throws<ProtocolException>(() => KeysetVerifier.VerifyNext(v1, undo, Now)).Error);
    }

    [Fact]
    public void Kid_must_match_the_jwk()
    {
        using var node = new TestNodeKeys();
        using var other = AtlasKey.Generate();
        var lying = node.KeysetPayload(1, signing: [new KeyEntry(node.Signing.Kid, other.ToJwk(), KeyStatus.Current)]);
        Assert.Equal(ProtocolError.Invalid, Assert.Throws<ProtocolException>(() =>
            KeysetVerifier.VerifyFirst(SignedObjects.SignKeyset(lying, [node.Root]), node.Root.Kid, Now)).Error);
    }

    [Fact]
    public void The_same_version_re_signed_is_the_same_keyset_and_another_payload_under_it_is_a_split_view()
    {
        using var node = new TestNodeKeys();
        var payload = node.KeysetPayload();
        var v1 = KeysetVerifier.VerifyFirst(SignedObjects.SignKeyset(payload, [node.Root]), node.Root.Kid, Now);

        Assert.Same(v1, KeysetVerifier.VerifyNext(v1, SignedObjects.SignKeyset(payload, [node.Root]), Now));
        Assert.Equal(ProtocolError.KeysetSplitView,
            Assert.Throws<ProtocolException>(() => KeysetVerifier.VerifyNext(v1, SignedObjects.SignKeyset(payload with { Exp = payload.Exp + 1 }, [node.Root]), Now)).Error);
    }
}
