using System.Diagnostics;
using System.Diagnostics.Metrics;
using Atlas.Hosting;

namespace Atlas.Indexer.Telemetry;

/// <summary>The indexer's own traces and metrics; exporting them is ServiceDefaults' job (protocol/ServiceDefaults).</summary>
public static class IndexerTelemetry
{
    public static ActivitySource Source => AtlasTelemetry.IndexerActivitySource;
    private static Meter Meter => AtlasTelemetry.IndexerMeter;

    public static readonly Counter<long> ListingsVerified = Meter.CreateCounter<long>("atlas.indexer.listings.verified", description: "Listing versions that verified and passed the state checks.");
    /// <summary>Tagged <c>reason</c> = a <see cref="Atlas.Protocol.ProtocolError"/> name (or an indexer reason such as new_node_burst).</summary>
    public static readonly Counter<long> ListingsRejected = Meter.CreateCounter<long>("atlas.indexer.listings.rejected", description: "Listing versions refused or quarantined.");
    public static readonly Histogram<double> SyncLag = Meter.CreateHistogram<double>("atlas.indexer.sync.lag", unit: "s", description: "Age of a peer's feed head when a pass commits.");
    public static readonly Counter<long> Removals = Meter.CreateCounter<long>("atlas.indexer.removals", description: "Listings the removal lane deleted from search ahead of the flusher (takedowns, hidden nodes, revoked keys).");
    public static readonly Histogram<double> RemovalDuration = Meter.CreateHistogram<double>("atlas.indexer.removal.duration", unit: "s", description: "From the removal lane seeing a removal to its deletion tasks ending in Meilisearch (both indexes).");
    public static readonly Histogram<double> FlushDuration = Meter.CreateHistogram<double>("atlas.indexer.flush.duration", unit: "s", description: "Duration of one flush to Meilisearch.");

    private static long _outboxSize;
    public static void ReportOutboxSize(long size) => Interlocked.Exchange(ref _outboxSize, size);
    private static readonly ObservableGauge<long> OutboxSize =
        Meter.CreateObservableGauge("atlas.indexer.outbox.size", () => Interlocked.Read(ref _outboxSize), description: "Search changes waiting to be flushed.");
}
