using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Atlas.Hostile.Tests.Faults;

/// <summary>Faults of the node process itself: kill -9 in the middle of writes, a full disk.</summary>
public sealed class NodeFaultTests(ITestOutputHelper output)
{
    /// <summary>Four clients write as fast as they can (submissions, new listings, edits) while the node is killed with
    /// SIGKILL three times at random moments. After each restart every write that was acknowledged with a 2xx is there,
    /// the database passes <c>PRAGMA integrity_check</c>, and the published feed still verifies against its signed head.</summary>
    [Fact]
    public async Task Kill_9_during_a_stream_of_writes_loses_no_acknowledged_write()
    {
        await using var node = await HostileNode.CreateAsync("crashy");
        var submissions = new ConcurrentBag<long>();
        var listings = new ConcurrentDictionary<string, long>(); // id → highest acknowledged seq
        var seed = await node.PublishAsync(Orgs.Make("Edited under fire"));
        listings[seed] = 1;

        for (var round = 0; round < 3; round++)
        {
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                var n = 0;
                while (!stop.IsCancellationRequested)
                {
                    n++;
                    try
                    {
                        switch ((w + n) % 3)
                        {
                            case 0:
                                using (var r = await node.SendAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Orgs.Make($"Sub {round}-{w}-{n}") }))
                                {
                                    if (r.StatusCode == HttpStatusCode.Accepted)
                                    {
                                        submissions.Add(JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64());
                                    }
                                }

                                break;
                            case 1:
                                using (var r = await node.SendAsync(HttpMethod.Post, "/api/admin/organisations", node.EditorToken, Orgs.Make($"Org {round}-{w}-{n}")))
                                {
                                    if (r.StatusCode == HttpStatusCode.OK)
                                    {
                                        var p = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
                                        listings[p.GetProperty("id").GetString()!] = p.GetProperty("seq").GetInt64();
                                    }
                                }

                                break;
                            default:
                                using (var r = await node.SendAsync(HttpMethod.Put, $"/api/admin/organisations/{seed}", node.EditorToken, Orgs.Make("Edited under fire", description: $"edit {round}-{w}-{n}")))
                                {
                                    if (r.StatusCode == HttpStatusCode.OK)
                                    {
                                        var seq = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("seq").GetInt64();
                                        listings.AddOrUpdate(seed, seq, (_, old) => Math.Max(old, seq));
                                    }
                                }

                                break;
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        // The node died under this request: it was not acknowledged, so it may or may not be stored.
                        await Task.Delay(20);
                    }
                }
            })).ToList();

            await Task.Delay(700 + Random.Shared.Next(900));
            await node.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(writers);

            Assert.Equal("ok", IntegrityCheck(node.DbPath));
            await node.StartAsync();

            var stored = node.Column("SELECT id FROM submissions").Select(long.Parse).ToHashSet();
            var lost = submissions.Where(id => !stored.Contains(id)).ToList();
            Assert.True(lost.Count == 0, $"acknowledged submissions lost after kill -9: {string.Join(", ", lost)}");
            var snapshot = await NodeAudit.VerifyAsync(node);
            foreach (var (id, seq) in listings)
            {
                Assert.True(snapshot.Latest.TryGetValue(id, out var l) && l.Payload.Seq >= seq, $"acknowledged listing {id} seq {seq} missing after kill -9");
            }

            output.WriteLine($"round {round}: {submissions.Count} submissions and {listings.Count} listings acknowledged so far, all present; feed_seq {snapshot.Head.Payload.FeedSeq}");
        }

        Assert.True(submissions.Count > 10 && listings.Count > 5, "too few writes to mean anything");
    }

    /// <summary>The node runs under a file-size limit (<c>ulimit -f</c>, SIGXFSZ ignored: writes past it fail with
    /// EFBIG exactly like a full disk). Writes that do not fit get a 5xx problem with a readable message and change
    /// nothing; reads keep working; after restart with space the database is intact and everything acknowledged is there.</summary>
    [Fact]
    public async Task Disk_full_is_a_clear_problem_with_no_corruption_and_earlier_data_intact()
    {
        await using var node = await HostileNode.CreateAsync("full");
        var early = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            early.Add(await node.PublishAsync(Orgs.Make($"Before the disk filled {i}")));
        }

        await node.KillAsync();
        var largest = new[] { node.DbPath, node.DbPath + "-wal" }.Where(File.Exists).Max(f => new FileInfo(f).Length);
        await node.StartAsync(fileSizeLimitKb: (largest / 1024) + 192);

        var acknowledged = new List<long>();
        var bulky = string.Join(' ', Enumerable.Repeat("Relocation and legal aid for people who left.", 100)); // ~4.6 KB per language
        HttpResponseMessage? failure = null;
        string failureBody = "";
        for (var i = 0; i < 200 && failure is null; i++)
        {
            var org = new
            {
                name = new Dictionary<string, string> { ["en"] = $"Filler {i}" },
                description = new Dictionary<string, string> { ["en"] = bulky, ["ru"] = bulky, ["de"] = bulky, ["uk"] = bulky },
                focus = new[] { "legal-aid" },
                languages = new[] { "ru" },
                locations = new object[] { new { kind = "physical", city = "Berlin", country = "DE" } },
            };
            var before = node.TableCounts();
            var r = await node.SendAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = org });
            if (r.StatusCode == HttpStatusCode.Accepted)
            {
                acknowledged.Add(JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64());
                r.Dispose();
                continue;
            }

            failure = r;
            failureBody = await r.Content.ReadAsStringAsync();
            Assert.Equal(before, node.TableCounts());
        }

        Assert.NotNull(failure);
        output.WriteLine($"{acknowledged.Count} submissions fitted; then {(int)failure!.StatusCode}: {failureBody}");
        Assert.Equal(HttpStatusCode.InsufficientStorage, failure.StatusCode);
        Assert.Equal("application/problem+json", failure.Content.Headers.ContentType?.MediaType);
        var detail = JsonDocument.Parse(failureBody).RootElement;
        Assert.Contains("storage", detail.GetProperty("detail").GetString()!, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", failureBody);
        failure.Dispose();

        // A publish also fails cleanly, and public reads keep answering from what is stored.
        using (var publish = await node.SendAsync(HttpMethod.Post, "/api/admin/organisations", node.EditorToken, Orgs.Make("Does not fit", description: bulky)))
        {
            Assert.Equal(HttpStatusCode.InsufficientStorage, publish.StatusCode);
        }

        foreach (var id in early)
        {
            using var read = await node.Http.GetAsync($"/atlas/v1/listings/{id}");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        await node.KillAsync();
        Assert.Equal("ok", IntegrityCheck(node.DbPath));
        await node.StartAsync();
        var snapshot = await NodeAudit.VerifyAsync(node);
        Assert.All(early, id => Assert.True(snapshot.Latest.ContainsKey(id)));
        var stored = node.Column("SELECT id FROM submissions").Select(long.Parse).ToHashSet();
        Assert.All(acknowledged, id => Assert.Contains(id, stored));
        Assert.DoesNotContain(snapshot.Latest.Values, l => l.Payload.Org?.Name.GetValueOrDefault("en") == "Does not fit");
        // And with space again, writes work.
        await node.PublishAsync(Orgs.Make("After the disk was freed"));
    }

    internal static string IntegrityCheck(string dbPath)
    {
        using var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dbPath, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "PRAGMA integrity_check";
        return (string)cmd.ExecuteScalar()!;
    }
}
