using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Atlas.Hosting;
using Atlas.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Atlas.Protocol.Tests.Hosting;

public sealed class ServiceDefaultsTests
{
    [Fact]
    public async Task Live_and_ready_answer_healthy()
    {
        await using var host = await TestHost.StartAsync();

        using var live = await host.Http.GetAsync(ServiceDefaults.LivePath);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());

        using var ready = await host.Http.GetAsync(ServiceDefaults.ReadyPath);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Ready_runs_only_checks_tagged_ready()
    {
        await using var host = await TestHost.StartAsync(builder =>
            builder.Services.AddHealthChecks()
                .AddCheck("database", () => HealthCheckResult.Unhealthy("not migrated"), [ServiceDefaults.ReadyTag]));

        using var ready = await host.Http.GetAsync(ServiceDefaults.ReadyPath);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", await ready.Content.ReadAsStringAsync());

        using var live = await host.Http.GetAsync(ServiceDefaults.LivePath);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task A_request_produces_server_and_client_activities_in_an_exporter_added_by_the_host()
    {
        var exported = new LockedCollection<Activity>();
        await using var host = await TestHost.StartAsync(builder =>
            builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(exported)));
        IReadOnlyList<Activity> Exported() => exported.Snapshot();

        // A sampled parent: the default ParentBased sampler follows the caller's decision.
        using var parent = new Activity("test-request") { ActivityTraceFlags = ActivityTraceFlags.Recorded }.Start();
        using (var response = await host.Http.GetAsync("/ping"))
        {
            Assert.Equal("pong", await response.Content.ReadAsStringAsync());
        }

        parent.Stop();

        Activity? server = null;
        await Poll.UntilAsync(
            () =>
            {
                server = Exported().FirstOrDefault(a =>
                    a.Source.Name == "Microsoft.AspNetCore" && a.Kind == ActivityKind.Server && a.TraceId == parent.TraceId);
                return server is not null;
            },
            "the server activity of GET /ping; have: " + string.Join("; ", Exported().Select(a => $"{a.Source.Name} {a.Kind} {a.DisplayName} {a.TraceId} parent {a.ParentId}")) + $" want trace {parent.TraceId}",
            TimeSpan.FromSeconds(10));

        Assert.NotNull(server);
        Assert.Equal(ActivityStatusCode.Unset, server.Status);
        Assert.Contains(Exported(), a =>
            a.Source.Name == "System.Net.Http" && a.Kind == ActivityKind.Client && a.TraceId == parent.TraceId);
    }

    [Fact]
    public async Task Atlas_aspnetcore_and_runtime_meters_reach_an_exporter_added_by_the_host()
    {
        var exported = new LockedCollection<MetricSnapshot>();
        await using var host = await TestHost.StartAsync(builder =>
            builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(exported)));
        IReadOnlyList<MetricSnapshot> Exported() => exported.Snapshot();
        var provider = host.App.Services.GetRequiredService<MeterProvider>();

        var meterName = $"Atlas.Tests.{Guid.NewGuid():N}";
        using var meter = new Meter(meterName);
        var counter = meter.CreateCounter<long>("atlas.test.things");
        counter.Add(2);
        counter.Add(1);
        using (await host.Http.GetAsync("/ping"))
        {
        }

        // The request duration is recorded when the request ends, which can be just after the client has the answer.
        await Poll.UntilAsync(
            () =>
            {
                provider.ForceFlush(5_000);
                return Exported().Any(m => m.Name == "http.server.request.duration" && m.MetricPoints.Sum(p => p.GetHistogramCount()) > 0);
            },
            "http.server.request.duration",
            TimeSpan.FromSeconds(10));

        var things = Exported().Last(m => m.MeterName == meterName && m.Name == "atlas.test.things");
        Assert.Equal(3, things.MetricPoints.Single().GetSumLong());
        Assert.Contains(Exported(), m => m.MeterName == "System.Runtime");
    }

    [Fact]
    public async Task Logging_is_quiet_for_aspnetcore_and_informative_for_atlas()
    {
        await using var host = await TestHost.StartAsync();
        var loggers = host.App.Services.GetRequiredService<ILoggerFactory>();

        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Routing.EndpointMiddleware").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Routing.EndpointMiddleware").IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger("Atlas.Api.Organisations").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("Atlas.Api.Organisations").IsEnabled(LogLevel.Debug));
    }

    [Fact]
    public async Task Configured_log_levels_win_over_the_defaults()
    {
        await using var host = await TestHost.StartAsync(builder =>
            builder.Configuration["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug");
        var loggers = host.App.Services.GetRequiredService<ILoggerFactory>();

        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Routing.EndpointMiddleware").IsEnabled(LogLevel.Debug));
    }

    /// <summary>A minimal WebApplication with the service defaults on 127.0.0.1 and a /ping endpoint.</summary>
    private sealed class TestHost : IAsyncDisposable
    {
        private TestHost(WebApplication app, Uri url)
        {
            App = app;
            Http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
        }

        public WebApplication App { get; }

        public HttpClient Http { get; }

        public static async Task<TestHost> StartAsync(Action<WebApplicationBuilder>? configure = null)
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            configure?.Invoke(builder);
            builder.AddServiceDefaults("atlas-test");

            var app = builder.Build();
            app.MapDefaultEndpoints();
            app.MapGet("/ping", () => "pong");
            await app.StartAsync();

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
                .Addresses.Single();
            return new TestHost(app, new Uri(address));
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await App.StopAsync(stop.Token);
            await App.DisposeAsync();
        }
    }
}
