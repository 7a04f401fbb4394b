using System.Diagnostics;
using OpenTelemetry;

namespace Atlas.TestKit.Telemetry;

/// <summary>
/// Collects exported activities in memory (OpenTelemetry.Exporter.InMemory is not available). Use with a
/// <see cref="SimpleActivityExportProcessor"/> so activities are exported as soon as they stop.
/// </summary>
public sealed class InMemoryActivityExporter : BaseExporter<Activity>
{
    private readonly Lock _gate = new();
    private readonly List<Activity> _activities = [];

    public IReadOnlyList<Activity> Activities
    {
        get
        {
            lock (_gate)
            {
                return [.. _activities];
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _activities.Clear();
        }
    }

    public override ExportResult Export(in Batch<Activity> batch)
    {
        lock (_gate)
        {
            foreach (var activity in batch)
            {
                _activities.Add(activity);
            }
        }

        return ExportResult.Success;
    }
}
