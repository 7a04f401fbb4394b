using Atlas.Indexer.Search;
using Atlas.Indexer.State;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Atlas.Indexer.Health;

/// <summary>Ready when the state database opens and Meilisearch answers: only then can a pass or a push land.</summary>
public sealed class IndexerReadiness(Database db, SearchIndexWriter search) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var conn = db.Open();
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("state database unavailable", e);
        }
        return await search.IsHealthyAsync(cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Meilisearch unreachable");
    }
}
