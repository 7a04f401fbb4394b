using Atlas.Api.Extensions;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>Stand-in for protocol/Hosting/ServiceDefaults.cs (another branch): OpenTelemetry, health checks,
/// problem details. Same method names, so swapping it out is deleting this file.</summary>
public static class ServiceDefaultsExtensions
{
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks();
        // The OTel SDK is wired by hand (OpenTelemetry.Extensions.Hosting is not on the mirror); export only
        // when an OTLP endpoint is configured, so a default node sends nothing anywhere.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            var tracer = Sdk.CreateTracerProviderBuilder()
                .AddSource(AtlasTelemetry.Name, "Microsoft.AspNetCore", "System.Net.Http")
                .AddOtlpExporter()
                .Build();
            var meter = Sdk.CreateMeterProviderBuilder()
                .AddMeter(AtlasTelemetry.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "System.Runtime")
                .AddOtlpExporter()
                .Build();
            builder.Services.AddSingleton(tracer);
            builder.Services.AddSingleton(meter);
        }
        return builder;
    }

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health");
        app.MapHealthChecks("/alive");
        return app;
    }
}
