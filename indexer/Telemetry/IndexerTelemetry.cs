using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Atlas.Indexer.Telemetry;

/// <summary>The indexer's traces and metrics. Kept in one file until the shared ServiceDefaults lands;
/// then only <see cref="AddIndexerTelemetry"/> moves.</summary>
public static class IndexerTelemetry
{
    public const string Name = "Atlas.Indexer";
    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> ListingsVerified = Meter.CreateCounter<long>("atlas.indexer.listings.verified", description: "Listing versions that verified and passed the state checks.");
    /// <summary>Tagged <c>reason</c> = a <see cref="Atlas.Protocol.ProtocolError"/> name (or an indexer reason such as new_node_burst).</summary>
    public static readonly Counter<long> ListingsRejected = Meter.CreateCounter<long>("atlas.indexer.listings.rejected", description: "Listing versions refused or quarantined.");
    public static readonly Histogram<double> SyncLag = Meter.CreateHistogram<double>("atlas.indexer.sync.lag", unit: "s", description: "Age of a peer's feed head when a pass commits.");
    public static readonly Histogram<double> FlushDuration = Meter.CreateHistogram<double>("atlas.indexer.flush.duration", unit: "s", description: "Duration of one flush to Meilisearch.");

    private static long _outboxSize;
    public static void ReportOutboxSize(long size) => Interlocked.Exchange(ref _outboxSize, size);
    private static readonly ObservableGauge<long> OutboxSize =
        Meter.CreateObservableGauge("atlas.indexer.outbox.size", () => Interlocked.Read(ref _outboxSize), description: "Search changes waiting to be flushed.");

    /// <summary>Exports over OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise the instruments
    /// still exist (tests listen to them in-process) and cost nothing.</summary>
    public static IServiceCollection AddIndexerTelemetry(this IServiceCollection services)
    {
        GC.KeepAlive(OutboxSize);
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
        {
            return services;
        }
        services.AddSingleton(_ => Sdk.CreateTracerProviderBuilder().AddSource(Name).AddOtlpExporter().Build());
        services.AddSingleton(_ => Sdk.CreateMeterProviderBuilder().AddMeter(Name).AddOtlpExporter().Build());
        services.AddHostedService<TelemetryActivator>();
        return services;
    }

    /// <summary>Resolves the providers at start so they are created (and disposed with the container).</summary>
    private sealed class TelemetryActivator(TracerProvider tracer, MeterProvider meter) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(tracer);
            GC.KeepAlive(meter);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
