using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Atlas.Hosting;

/// <summary>Names (and shared instances) of Atlas's own ActivitySources and Meters; all match "Atlas.*".</summary>
public static class AtlasTelemetry
{
    public const string ApiName = "Atlas.Api";

    public const string IndexerName = "Atlas.Indexer";

    /// <summary>Wildcard that <see cref="ServiceDefaults"/> subscribes to for sources and meters.</summary>
    public const string Wildcard = "Atlas.*";

    public static readonly ActivitySource ApiActivitySource = new(ApiName);

    public static readonly ActivitySource IndexerActivitySource = new(IndexerName);

    public static readonly Meter ApiMeter = new(ApiName);

    public static readonly Meter IndexerMeter = new(IndexerName);
}
