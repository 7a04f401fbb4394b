using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Atlas.Hosting;

/// <summary>Optional tuning of <see cref="ServiceDefaults.AddServiceDefaults{TBuilder}"/>.</summary>
public sealed class ServiceDefaultsOptions
{
    /// <summary>OpenTelemetry service.name; defaults to the application name (e.g. Atlas.Api).</summary>
    public string? ServiceName { get; set; }

    /// <summary>Extra tracing setup (more sources, an exporter for tests, a sampler…).</summary>
    public Action<TracerProviderBuilder>? ConfigureTracing { get; set; }

    /// <summary>Extra metrics setup (more meters, a reader for tests, views…).</summary>
    public Action<MeterProviderBuilder>? ConfigureMetrics { get; set; }
}
