using System.Net;
using System.Text.RegularExpressions;
using Atlas.Api.Tests.Infrastructure;

namespace Atlas.Api.Tests;

public sealed class HealthTests
{
    /// <summary>Liveness says the process answers; readiness says it can serve and sign. Losing the signing key
    /// makes the node unready (a load balancer stops routing to it) while it stays alive, and the public answer
    /// names no file or exception.</summary>
    [Fact]
    public async Task Readiness_follows_the_database_and_signing_key_while_liveness_stays_up()
    {
        await using var node = new OwnedNode();
        await node.InitializeAsync();

        using (var live = await node.SendAsync(HttpMethod.Get, "/health/live"))
        using (var ready = await node.SendAsync(HttpMethod.Get, "/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
        }

        // A probe must not disturb the node: publishing still signs after it.
        await node.SubmitAndApproveAsync(Samples.Org("Probed Then Published"));

        var rotated = await node.Cli("keys", "rotate");
        var kid = Regex.Match(rotated, "new signing key (\\S+);").Groups[1].Value;
        File.Delete(Path.Combine(node.DataDir, "keys", kid + ".pem"));

        using (var live = await node.SendAsync(HttpMethod.Get, "/health/live"))
        using (var ready = await node.SendAsync(HttpMethod.Get, "/health/ready"))
        {
            var body = await ready.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("Unhealthy", body);
            Assert.DoesNotContain(node.DataDir, body);
        }
    }
}
