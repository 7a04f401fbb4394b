using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Atlas.Api.Tests.Infrastructure;

namespace Atlas.Api.Tests;

public sealed class TelemetryTests
{
    /// <summary>With OTEL_EXPORTER_OTLP_ENDPOINT set, traces and the node's own counters reach an OTLP
    /// collector (a local HttpListener taking http/protobuf). Without it, nothing is sent anywhere.</summary>
    [Fact]
    public async Task Traces_and_atlas_metrics_are_exported_over_otlp_when_configured()
    {
        var received = new ConcurrentQueue<(string Path, byte[] Body)>();
        var url = $"http://127.0.0.1:{FreePort.Next()}/";
        using var listener = new HttpListener();
        listener.Prefixes.Add(url);
        listener.Start();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await listener.GetContextAsync(); } catch (Exception) { return; }
                using var ms = new MemoryStream();
                await ctx.Request.InputStream.CopyToAsync(ms);
                received.Enqueue((ctx.Request.Url!.AbsolutePath, ms.ToArray()));
                ctx.Response.StatusCode = 200;
                ctx.Response.Close();
            }
        });

        await using var node = new OwnedNode(new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = url.TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
        });
        await node.InitializeAsync();
        await node.SubmitAndApproveAsync(Samples.Org("Traced"));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        bool HasMetric(string name) => received.Any(r => r.Path == "/v1/metrics" && Encoding.UTF8.GetString(r.Body).Contains(name));
        // Spans arrive in batches: the one with atlas.publish may come after a batch of HTTP spans only.
        bool HasSpan(string name) => received.Any(r => r.Path == "/v1/traces" && Encoding.UTF8.GetString(r.Body).Contains(name));
        while (DateTime.UtcNow < deadline && !(HasMetric("atlas.signatures") && HasMetric("atlas.submissions.approved") && HasSpan("atlas.publish")))
        {
            await Task.Delay(200);
        }
        Assert.True(HasMetric("atlas.signatures"), "atlas.signatures not exported; got " + string.Join(", ", received.Select(r => r.Path)));
        Assert.True(HasMetric("atlas.submissions.received"));
        Assert.True(HasMetric("atlas.submissions.approved"));
        Assert.Contains(received, r => r.Path == "/v1/traces" && Encoding.UTF8.GetString(r.Body).Contains("atlas.publish"));
    }
}
