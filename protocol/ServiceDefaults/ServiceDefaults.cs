using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Atlas.Hosting;

/// <summary>
/// The one place that wires observability and health for the api and the indexer:
/// <c>builder.AddServiceDefaults()</c> … <c>app.MapDefaultEndpoints()</c>.
/// </summary>
public static class ServiceDefaults
{
    /// <summary>Health check tag of liveness checks (<c>/health/live</c>).</summary>
    public const string LiveTag = "live";

    /// <summary>Health check tag of readiness checks (<c>/health/ready</c>).</summary>
    public const string ReadyTag = "ready";

    public const string LivePath = "/health/live";

    public const string ReadyPath = "/health/ready";

    /// <summary>Environment variable (or configuration key) that turns the OTLP exporter on.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static readonly IReadOnlyList<string> ActivitySources =
        ["Microsoft.AspNetCore", "System.Net.Http", AtlasTelemetry.Wildcard];

    public static readonly IReadOnlyList<string> Meters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "System.Runtime",
        AtlasTelemetry.Wildcard,
    ];

    /// <summary>
    /// OpenTelemetry tracing and metrics through the SDK builders (OTLP export only when
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set; any <see cref="BaseExporter{T}"/> of <see cref="Activity"/> or
    /// <see cref="Metric"/> registered in DI is added too, which is how tests capture telemetry), problem details,
    /// a "self" liveness health check, and quiet logging defaults (Microsoft.AspNetCore: Warning,
    /// Atlas: Information; configuration wins).
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, Action<ServiceDefaultsOptions>? configure = null)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new ServiceDefaultsOptions();
        configure?.Invoke(options);
        var serviceName = options.ServiceName ?? builder.Environment.ApplicationName;
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]);

        ConfigureLogging(builder, serviceName, otlp);
        AddTelemetry(builder.Services, serviceName, otlp, options);

        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        return builder;
    }

    /// <summary><c>/health/live</c> (checks tagged "live": self) and <c>/health/ready</c> (checks tagged "ready").</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) });
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag) });
        return app;
    }

    private static void ConfigureLogging(IHostApplicationBuilder builder, string serviceName, bool otlp)
    {
        SetDefaultLevel(builder, "Microsoft.AspNetCore", LogLevel.Warning);
        SetDefaultLevel(builder, "System.Net.Http.HttpClient", LogLevel.Warning);
        SetDefaultLevel(builder, "Atlas", LogLevel.Information);

        if (otlp)
        {
            builder.Logging.AddOpenTelemetry(logging =>
            {
                logging.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(serviceName));
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
                logging.AddOtlpExporter();
            });
        }
    }

    private static void SetDefaultLevel(IHostApplicationBuilder builder, string category, LogLevel level)
    {
        // Only a default: a level set in configuration (appsettings, Logging__LogLevel__X) keeps precedence.
        if (builder.Configuration[$"Logging:LogLevel:{category}"] is null)
        {
            builder.Logging.AddFilter(category, level);
        }
    }

    private static void AddTelemetry(IServiceCollection services, string serviceName, bool otlp, ServiceDefaultsOptions options)
    {
        services.AddSingleton(sp =>
        {
            var tracing = Sdk.CreateTracerProviderBuilder()
                .ConfigureResource(r => r.AddService(serviceName));
            foreach (var source in ActivitySources)
            {
                tracing.AddSource(source);
            }

            foreach (var exporter in sp.GetServices<BaseExporter<Activity>>())
            {
                tracing.AddProcessor(new SimpleActivityExportProcessor(exporter));
            }

            if (otlp)
            {
                tracing.AddOtlpExporter();
            }

            options.ConfigureTracing?.Invoke(tracing);
            return tracing.Build();
        });

        services.AddSingleton(sp =>
        {
            var metrics = Sdk.CreateMeterProviderBuilder()
                .ConfigureResource(r => r.AddService(serviceName));
            foreach (var meter in Meters)
            {
                metrics.AddMeter(meter);
            }

            foreach (var exporter in sp.GetServices<BaseExporter<Metric>>())
            {
                metrics.AddReader(new BaseExportingMetricReader(exporter));
            }

            if (otlp)
            {
                metrics.AddOtlpExporter();
            }

            options.ConfigureMetrics?.Invoke(metrics);
            return metrics.Build();
        });

        services.AddHostedService<TelemetryLifetime>();
    }
}
