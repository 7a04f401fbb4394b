namespace Atlas.Indexer.Meilisearch;

/// <summary>An index as returned by <c>GET /indexes/{uid}</c>.</summary>
public sealed record MeilisearchIndex
{
    public string Uid { get; init; } = "";

    public string? PrimaryKey { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>An offset/limit page (<c>GET /indexes</c>, <c>GET /keys</c>, document fetches).</summary>
public sealed record MeilisearchPage<T>
{
    public IReadOnlyList<T> Results { get; init; } = [];

    public int Offset { get; init; }

    public int Limit { get; init; }

    public long Total { get; init; }
}

internal sealed record CreateIndexRequest(string Uid, string? PrimaryKey);

internal sealed record SwapIndexesRequest(IReadOnlyList<string> Indexes);

/// <summary>Documents to read with <c>POST /indexes/{uid}/documents/fetch</c>.</summary>
public sealed record DocumentsQuery
{
    public SearchFilter? Filter { get; init; }

    public IReadOnlyList<string>? Fields { get; init; }

    public int? Offset { get; init; }

    public int? Limit { get; init; }

    public IReadOnlyList<string>? Ids { get; init; }
}

internal sealed record DeleteByFilterRequest(SearchFilter Filter);
