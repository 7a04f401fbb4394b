using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
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

    /// <summary>
    /// OpenTelemetry through <c>OpenTelemetry.Extensions.Hosting</c>: ASP.NET Core, HttpClient and runtime
    /// instrumentation plus every "Atlas.*" source and meter, OTLP export of traces, metrics and logs only when
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set (without it, only traces a caller already sampled are recorded; tests add their own exporter with
    /// <c>services.ConfigureOpenTelemetryTracerProvider</c> / <c>ConfigureOpenTelemetryMeterProvider</c>);
    /// problem details, a "self" liveness health check, and quiet logging defaults (Microsoft.AspNetCore: Warning,
    /// Atlas: Information; configuration wins).
    /// </summary>
    /// <param name="serviceName">OpenTelemetry service.name of the resource.</param>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, string serviceName)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]);

        SetDefaultLevel(builder, "Microsoft.AspNetCore", LogLevel.Warning);
        SetDefaultLevel(builder, "System.Net.Http.HttpClient", LogLevel.Warning);
        SetDefaultLevel(builder, "Atlas", LogLevel.Information);
        AddTelemetry(builder.Services, serviceName, otlp);

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails += HttpDefaults.DescribeBadRequest);
        // A query or route value that does not bind throws, so that the 400 says which parameter (HttpDefaults).
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
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

    private static void SetDefaultLevel(IHostApplicationBuilder builder, string category, LogLevel level)
    {
        // Only a default: a level set in configuration (appsettings, Logging__LogLevel__X) keeps precedence.
        if (builder.Configuration[$"Logging:LogLevel:{category}"] is null)
        {
            builder.Logging.AddFilter(category, level);
        }
    }

    private static void AddTelemetry(IServiceCollection services, string serviceName, bool otlp)
    {
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddSource(AtlasTelemetry.Wildcard);
                if (!otlp)
                {
                    // Nobody receives spans: do not record a trace for every request (measurable on the node's hot GETs,
                    // docs/performance.md). A caller's sampled trace is still followed, and an exporter a host adds
                    // (tests) sees those.
                    tracing.SetSampler(new ParentBasedSampler(new AlwaysOffSampler()));
                }
            })
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(AtlasTelemetry.Wildcard));

        if (otlp)
        {
            telemetry
                .WithLogging(configureBuilder: null, configureOptions: logging =>
                {
                    logging.IncludeFormattedMessage = true;
                    logging.IncludeScopes = true;
                })
                .UseOtlpExporter();
        }
    }
}
