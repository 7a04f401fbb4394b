using Atlas.Api.Data;
using Atlas.Api.Signing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Atlas.Api.Health;

/// <summary>Ready when the database opens and the node can sign: a current signing key whose private half loads.</summary>
public sealed class NodeReadiness(NodeStore store, KeyStore keys) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var conn = store.Open();
            // The key object is the KeyStore's cached instance, shared with every signer: never dispose it here.
            _ = keys.CurrentSigningKey(conn);
            return Task.FromResult(HealthCheckResult.Healthy());
        }
        catch (Exception e)
        {
            // The reason goes to the log; the public endpoint says only "Unhealthy".
            return Task.FromResult(HealthCheckResult.Unhealthy("database or signing key unavailable", e));
        }
    }
}
