using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Atlas.TestKit.Telemetry;

/// <summary>One exported data point, copied out of the SDK's reused <see cref="Metric"/> objects.</summary>
public sealed record MetricPointSnapshot(
    IReadOnlyDictionary<string, object?> Tags,
    long? LongValue,
    double? DoubleValue,
    long? HistogramCount,
    double? HistogramSum);

/// <summary>One exported metric stream with its points at export time.</summary>
public sealed record MetricSnapshot(
    string Name,
    string MeterName,
    string? Unit,
    MetricType MetricType,
    IReadOnlyList<MetricPointSnapshot> Points);

/// <summary>
/// Collects exported metrics in memory as snapshots. Register with
/// <c>new BaseExportingMetricReader(exporter)</c> and call <c>MeterProvider.ForceFlush()</c> to collect.
/// </summary>
public sealed class InMemoryMetricExporter : BaseExporter<Metric>
{
    private readonly Lock _gate = new();
    private readonly List<MetricSnapshot> _metrics = [];

    public IReadOnlyList<MetricSnapshot> Metrics
    {
        get
        {
            lock (_gate)
            {
                return [.. _metrics];
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _metrics.Clear();
        }
    }

    public override ExportResult Export(in Batch<Metric> batch)
    {
        var snapshots = new List<MetricSnapshot>();
        foreach (var metric in batch)
        {
            var points = new List<MetricPointSnapshot>();
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var tags = new Dictionary<string, object?>();
                foreach (var tag in point.Tags)
                {
                    tags[tag.Key] = tag.Value;
                }

                points.Add(metric.MetricType switch
                {
                    MetricType.LongSum or MetricType.LongSumNonMonotonic =>
                        new MetricPointSnapshot(tags, point.GetSumLong(), null, null, null),
                    MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic =>
                        new MetricPointSnapshot(tags, null, point.GetSumDouble(), null, null),
                    MetricType.LongGauge => new MetricPointSnapshot(tags, point.GetGaugeLastValueLong(), null, null, null),
                    MetricType.DoubleGauge => new MetricPointSnapshot(tags, null, point.GetGaugeLastValueDouble(), null, null),
                    MetricType.Histogram or MetricType.ExponentialHistogram =>
                        new MetricPointSnapshot(tags, null, null, point.GetHistogramCount(), point.GetHistogramSum()),
                    _ => new MetricPointSnapshot(tags, null, null, null, null),
                });
            }

            snapshots.Add(new MetricSnapshot(metric.Name, metric.MeterName, metric.Unit, metric.MetricType, points));
        }

        lock (_gate)
        {
            _metrics.AddRange(snapshots);
        }

        return ExportResult.Success;
    }
}
