namespace Atlas.Indexer.Meilisearch;

/// <summary><c>GET /health</c>: <c>{"status": "available"}</c>.</summary>
public sealed record MeilisearchHealth(string Status)
{
    public bool IsAvailable => Status == "available";
}

/// <summary><c>GET /version</c></summary>
public sealed record MeilisearchVersion(string? CommitSha, string? CommitDate, string PkgVersion);

/// <summary><c>GET /indexes/{uid}/stats</c> (and each entry of <see cref="MeilisearchStats.Indexes"/>).</summary>
public sealed record IndexStats
{
    public long NumberOfDocuments { get; init; }

    public bool IsIndexing { get; init; }

    public IReadOnlyDictionary<string, long>? FieldDistribution { get; init; }
}

/// <summary><c>GET /stats</c></summary>
public sealed record MeilisearchStats
{
    public long DatabaseSize { get; init; }

    public long? UsedDatabaseSize { get; init; }

    public DateTimeOffset? LastUpdate { get; init; }

    public IReadOnlyDictionary<string, IndexStats> Indexes { get; init; } = new Dictionary<string, IndexStats>();
}
