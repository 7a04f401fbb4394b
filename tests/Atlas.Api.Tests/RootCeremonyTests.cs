using Atlas.Api.Signing;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;

namespace Atlas.Api.Tests;

/// <summary>The root ceremony's decisions (<see cref="RootCeremony"/>, pure functions) on exact inputs: what a holder
/// may sign and what the node may assemble. The end-to-end run with processes is the hostile suite's
/// <c>OfflineRootCeremonyTests</c>.</summary>
public sealed class RootCeremonyTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private sealed record Setup(TrustedKeyset Current, AtlasKey[] Roots, AtlasKey Signing);

    private static KeysetPayload Payload(long version, int threshold, IEnumerable<AtlasKey> roots, AtlasKey signing) =>
        new("berlin", version, Now.ToUnixTimeSeconds(), Now.AddDays(365).ToUnixTimeSeconds(), threshold,
            [.. roots.Select(r => r.ToKeyEntry())], [signing.ToKeyEntry(KeyStatus.Current)], []);

    private static Setup ThreeRootsThresholdTwo()
    {
        AtlasKey[] roots = [AtlasKey.Generate(), AtlasKey.Generate(), AtlasKey.Generate()];
        var signing = AtlasKey.Generate();
        var v1 = SignedObjects.SignKeyset(Payload(1, 2, roots, signing), roots);
        return new Setup(KeysetVerifier.VerifyFirst(v1, roots[0].Kid, Now), roots, signing);
    }

    private static List<(string, KeysetRequestSignature)> Sign(KeysetSigningRequest request, params AtlasKey[] keys) =>
        [.. keys.Select((k, i) => ($"sig{i + 1}.json", RootCeremony.Sign(request, k)))];

    [Fact]
    public void Two_of_three_old_roots_that_stay_meet_both_thresholds_and_the_result_verifies_like_an_indexer_would()
    {
        var s = ThreeRootsThresholdTwo();
        var added = AtlasKey.Generate();
        var request = RootCeremony.CreateRequest(Payload(2, 2, [s.Roots[0], s.Roots[1], added], s.Signing), s.Current.Payload);
        var jws = RootCeremony.Assemble(request, Sign(request, s.Roots[0], s.Roots[1]), s.Current, Now);
        Assert.Equal(2, KeysetVerifier.VerifyNext(s.Current, jws, Now).Version);
    }

    [Fact]
    public void A_threshold_of_the_old_roots_is_not_enough_when_the_new_threshold_is_not_met()
    {
        var s = ThreeRootsThresholdTwo();
        var request = RootCeremony.CreateRequest(Payload(2, 3, s.Roots, s.Signing), s.Current.Payload);
        var e = Assert.Throws<SigningException>(() => RootCeremony.Assemble(request, Sign(request, s.Roots[0], s.Roots[1]), s.Current, Now));
        Assert.StartsWith("Threshold not met: 2 of version 1's roots signed (2 needed), 2 of version 2's roots (3 needed)", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, KeysetVerifier.VerifyNext(s.Current, RootCeremony.Assemble(request, Sign(request, s.Roots), s.Current, Now), Now).Version);
    }

    [Fact]
    public void A_new_root_counts_for_the_new_threshold_only()
    {
        var s = ThreeRootsThresholdTwo();
        AtlasKey[] fresh = [AtlasKey.Generate(), AtlasKey.Generate()];
        var request = RootCeremony.CreateRequest(Payload(2, 2, fresh, s.Signing), s.Current.Payload);
        var e = Assert.Throws<SigningException>(() => RootCeremony.Assemble(request, Sign(request, s.Roots[0], fresh[0], fresh[1]), s.Current, Now));
        Assert.Contains("1 of version 1's roots signed (2 needed)", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, KeysetVerifier.VerifyNext(s.Current, RootCeremony.Assemble(request, Sign(request, s.Roots[0], s.Roots[2], fresh[0], fresh[1]), s.Current, Now), Now).Version);
    }

    [Fact]
    public void A_tampered_request_is_refused_by_the_signer_and_by_the_node()
    {
        var s = ThreeRootsThresholdTwo();
        var honest = RootCeremony.CreateRequest(Payload(2, 2, s.Roots, s.Signing), s.Current.Payload);
        var attacker = AtlasKey.Generate();
        // Payload swapped for one that adds the attacker's root, hash left as it was.
        var swapped = honest with { Payload = RootCeremony.CreateRequest(Payload(2, 1, [attacker], s.Signing), s.Current.Payload).Payload };
        Assert.Contains("does not match its payload_hash", Assert.Throws<SigningException>(() => RootCeremony.Sign(swapped, s.Roots[0])).Message, StringComparison.Ordinal);
        Assert.Contains("does not match its payload_hash", Assert.Throws<SigningException>(() => RootCeremony.Assemble(swapped, Sign(honest, s.Roots[0], s.Roots[1]), s.Current, Now)).Message, StringComparison.Ordinal);
        // Previous roots misreported (so a holder would be shown the wrong context): refused by the node.
        var misreported = honest with { PreviousRoots = [attacker.Kid, s.Roots[1].Kid, s.Roots[2].Kid] };
        Assert.Contains("are not those of version 1", Assert.Throws<SigningException>(() => RootCeremony.Assemble(misreported, Sign(honest, s.Roots[0], s.Roots[1]), s.Current, Now)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_that_does_not_follow_the_current_version_or_a_forged_signature_is_refused()
    {
        var s = ThreeRootsThresholdTwo();
        var stale = RootCeremony.CreateRequest(Payload(3, 2, s.Roots, s.Signing), s.Current.Payload with { Version = 2 });
        Assert.Contains("make a new request", Assert.Throws<SigningException>(() => RootCeremony.Assemble(stale, Sign(stale, s.Roots[0], s.Roots[1]), s.Current, Now)).Message, StringComparison.Ordinal);

        var request = RootCeremony.CreateRequest(Payload(2, 2, s.Roots, s.Signing), s.Current.Payload);
        var good = RootCeremony.Sign(request, s.Roots[0]);
        var other = RootCeremony.Sign(RootCeremony.CreateRequest(Payload(2, 3, s.Roots, s.Signing), s.Current.Payload), s.Roots[1]);
        var forged = other with { PayloadHash = request.PayloadHash };
        Assert.Contains("does not verify", Assert.Throws<SigningException>(() => RootCeremony.Assemble(request, [("a.json", good), ("b.json", forged)], s.Current, Now)).Message, StringComparison.Ordinal);
    }
}
