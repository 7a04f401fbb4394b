using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Atlas.Hostile.Tests.Load;

/// <summary>Sustained load on a real node process.</summary>
public sealed class LoadTests(ITestOutputHelper output)
{
    /// <summary>Eight clients submit without pause for 10 s against a limit of 20 per 5 s while four clients read.
    /// The excess gets 429 problems with Retry-After, exactly the accepted submissions are stored, and every public
    /// read is answered (200) promptly throughout.</summary>
    [Fact]
    public async Task Submissions_beyond_the_rate_limit_get_429_with_Retry_After_while_public_reads_keep_answering()
    {
        await using var node = await HostileNode.CreateAsync("flooded", new Dictionary<string, string?>
        {
            ["RateLimiting__Submissions__PermitLimit"] = "20",
            ["RateLimiting__Submissions__WindowSeconds"] = "5",
        });
        await node.PublishAsync(Orgs.Make("Readable during the flood"));
        var accepted = 0;
        var limited = 0;
        var other = new ConcurrentBag<string>();
        var retryAfters = new ConcurrentBag<int>();
        var readLatencies = new ConcurrentBag<double>();
        var readFailures = new ConcurrentBag<string>();
        var duration = TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();

        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var n = 0;
            while (clock.Elapsed < duration)
            {
                using var r = await node.SendAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Orgs.Make($"Flood {w}-{n++}") });
                if (r.StatusCode == HttpStatusCode.Accepted)
                {
                    Interlocked.Increment(ref accepted);
                }
                else if (r.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Interlocked.Increment(ref limited);
                    retryAfters.Add(int.Parse(r.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture));
                    if (r.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    {
                        other.Add("429 without problem+json");
                    }
                }
                else
                {
                    other.Add($"{(int)r.StatusCode}");
                }
            }
        })).ToList();
        var readers = Enumerable.Range(0, 4).Select(rd => Task.Run(async () =>
        {
            var paths = new[] { "/atlas/v1/head", "/api/organisations?city=Berlin", "/atlas/v1/changes?after=0", "/.well-known/atlas-node" };
            var n = 0;
            while (clock.Elapsed < duration)
            {
                var sw = Stopwatch.StartNew();
                using var r = await node.Http.GetAsync(paths[(rd + n++) % paths.Length]);
                readLatencies.Add(sw.Elapsed.TotalMilliseconds);
                if (r.StatusCode != HttpStatusCode.OK)
                {
                    readFailures.Add($"{r.RequestMessage!.RequestUri!.PathAndQuery} {(int)r.StatusCode}");
                }
            }
        })).ToList();
        await Task.WhenAll(writers.Concat(readers));

        var windows = (int)Math.Ceiling(clock.Elapsed.TotalSeconds / 5) + 1;
        var sorted = readLatencies.Order().ToList();
        var p99 = sorted[(int)(sorted.Count * 0.99)];
        output.WriteLine($"{accepted} accepted, {limited} limited (429), other {string.Join(",", other)}; {sorted.Count} reads, p50 {sorted[sorted.Count / 2]:0} ms, p99 {p99:0} ms, max {sorted[^1]:0} ms");
        Assert.Empty(other);
        Assert.Empty(readFailures);
        Assert.InRange(accepted, 20, 20 * windows);
        Assert.True(limited > accepted, $"only {limited} requests were limited");
        Assert.All(retryAfters, s => Assert.InRange(s, 1, 5));
        Assert.Equal(accepted, node.Scalar<long>("SELECT count(*) FROM submissions"));
        Assert.True(sorted.Count > 100, $"only {sorted.Count} reads in {duration}");
        Assert.True(p99 < 2000, $"p99 read latency {p99:0} ms under the flood");
    }

    /// <summary>About 60 s of mixed traffic (submissions, approvals, publishes, edits, browse, feed and listing reads,
    /// bad requests). Resident memory is sampled from /proc/PID/status; after a 20 s warm-up it must stay flat
    /// (growth under 60 MB or 40 %, whichever is larger), and the node must end healthy with a verifiable feed.</summary>
    [Fact]
    public async Task Memory_stays_flat_over_a_soak_of_mixed_traffic()
    {
        await using var node = await HostileNode.CreateAsync("soak");
        var pid = node.Host!.Id;
        var seed = await node.PublishAsync(Orgs.Make("Soak target"));
        var samples = new List<(double Seconds, long RssKb)>();
        var failures = new ConcurrentBag<string>();
        var requests = 0;
        var duration = TimeSpan.FromSeconds(60);
        var clock = Stopwatch.StartNew();

        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var n = 0;
            while (clock.Elapsed < duration)
            {
                n++;
                HttpResponseMessage r = (((w * 7) + n) % 10) switch
                {
                    0 => await node.SendAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Orgs.Make($"Soak sub {w}-{n}") }),
                    1 when n % 20 == 1 => await node.SendAsync(HttpMethod.Post, "/api/admin/organisations", node.EditorToken, Orgs.Make($"Soak org {w}-{n}")),
                    2 when n % 20 == 2 => await node.SendAsync(HttpMethod.Put, $"/api/admin/organisations/{seed}", node.EditorToken, Orgs.Make("Soak target", description: $"edit {w}-{n}")),
                    3 => await node.SendAsync(HttpMethod.Get, "/api/organisations?q=Soak&page=1"),
                    4 => await node.SendAsync(HttpMethod.Get, "/atlas/v1/changes?after=0&limit=200"),
                    5 => await node.SendAsync(HttpMethod.Get, $"/atlas/v1/listings/{seed}"),
                    6 => await node.SendAsync(HttpMethod.Post, "/api/submissions", body: "{\"organisation\":"),
                    7 => await node.SendAsync(HttpMethod.Get, "/api/admin/submissions?status=pending", node.EditorToken),
                    _ => await node.SendAsync(HttpMethod.Get, "/atlas/v1/head"),
                };
                using (r)
                {
                    Interlocked.Increment(ref requests);
                    if ((int)r.StatusCode >= 500)
                    {
                        failures.Add($"{r.RequestMessage!.Method} {r.RequestMessage.RequestUri!.PathAndQuery} {(int)r.StatusCode}");
                    }
                }
            }
        })).ToList();

        while (clock.Elapsed < duration)
        {
            samples.Add((clock.Elapsed.TotalSeconds, RssKb(pid)));
            await Task.Delay(2500);
        }

        await Task.WhenAll(workers);
        samples.Add((clock.Elapsed.TotalSeconds, RssKb(pid)));
        output.WriteLine($"{requests} requests; RSS samples (s → MB): " + string.Join(", ", samples.Select(s => $"{s.Seconds:0}→{s.RssKb / 1024}")));
        Assert.Empty(failures);
        // A trend, not a peak: the server GC lets single samples spike by tens of MB and gives them back, so compare
        // the median after warm-up (20–35 s) with the median at the end (≥ 45 s). A leak shows in both medians' gap.
        static long Median(IEnumerable<long> values) => values.Order().ElementAt(values.Count() / 2);
        var baseline = Median(samples.Where(s => s.Seconds is >= 20 and < 35).Select(s => s.RssKb));
        var end = Median(samples.Where(s => s.Seconds >= 45).Select(s => s.RssKb));
        var allowed = Math.Max(40 * 1024, (long)(baseline * 0.25));
        Assert.True(end - baseline < allowed, $"RSS grew from a median of {baseline / 1024} MB after warm-up to {end / 1024} MB at the end (allowed +{allowed / 1024} MB)");
        using (var ready = await node.Http.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        await NodeAudit.VerifyAsync(node);
    }

    private static long RssKb(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
