using System.Globalization;
using Atlas.Indexer.Hosting;
using Atlas.Indexer.Meilisearch;
using Atlas.Indexer.Peers;
using Atlas.Indexer.Search;
using Atlas.Indexer.State;
using Atlas.Indexer.Sync;
using Atlas.Protocol.Signing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Cli;

/// <summary>Operator commands on the same executable. Bad input → one line on stderr and exit code 2;
/// a failed operation → exit code 1.</summary>
public static class IndexerCli
{
    private const string Usage = """
        usage: Atlas.Indexer <command>
          peers add URL --root KID [--name NAME]   add a peer with its pinned root key id
          peers list                              list peers
          peers remove URL|ID|NODE                remove a peer and its listings
          run [--urls URL]                        serve push endpoints and sync/flush continuously
          sync --once                             one pass over all peers, then flush (exit 1 if any peer failed)
          reindex                                 rebuild the search index and swap it in (zero downtime)
          status                                  per-peer sync status
          alerts                                  open alerts
          quarantine                              listings held back for review (over the per-day cap, contact change in cool-off)
          release NODE LISTING_ID                 after review: let a quarantined listing into search, or end a contact hold now
          search-key                              create the search-only key for the map site
        configuration: Indexer__Database, Indexer__MeilisearchUrl, Indexer__MeilisearchKey | Indexer__MeilisearchKeyFile, Indexer__Index, …
        """;

    public static async Task<int> RunAsync(string[] args, Action<IServiceCollection>? configure = null)
    {
        try
        {
            return await DispatchAsync(args, configure);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (OptionsValidationException e)
        {
            Console.Error.WriteLine($"error: invalid configuration: {string.Join(" ", e.Failures)}");
            return 2;
        }
        catch (Exception e) when (e is SqliteException or MeilisearchException or HttpRequestException or IOException)
        {
            Console.Error.WriteLine($"error: {e.Message.Split('\n')[0]}");
            return 1;
        }
    }

    private static async Task<int> DispatchAsync(string[] args, Action<IServiceCollection>? configure)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        var rest = args[1..];
        switch (args[0])
        {
            case "run":
                await using (var app = IndexerApp.Create(rest, configure))
                {
                    await app.RunAsync();
                }
                return 0;
            case "peers":
                return rest switch
                {
                    ["add", var url, .. var more] => PeersAdd(url, more, configure),
                    ["list", .. var more] => WithServices(more, configure, PeersList),
                    ["remove", var which, .. var more] => WithServices(more, configure, s => PeersRemove(s, which)),
                    _ => throw new UsageException("peers add URL --root KID [--name NAME] | peers list | peers remove URL|ID"),
                };
            case "sync":
                if (rest is not ["--once", ..])
                {
                    throw new UsageException("sync needs --once (use 'run' for continuous sync).");
                }
                return await WithServicesAsync(rest[1..], configure, SyncOnceAsync);
            case "reindex":
                return await WithServicesAsync(rest, configure, async s =>
                {
                    var docs = await s.GetRequiredService<Reindexer>().ReindexAsync(CancellationToken.None);
                    Console.Out.WriteLine($"reindexed: {docs} document(s)");
                    return 0;
                });
            case "status":
                return WithServices(rest, configure, Status);
            case "alerts":
                return WithServices(rest, configure, Alerts);
            case "quarantine":
                return WithServices(rest, configure, Quarantine);
            case "release":
                return rest is [var node, var id, .. var options]
                    ? WithServices(options, configure, s => Release(s, node, id))
                    : throw new UsageException("release NODE LISTING_ID (see 'quarantine' for what is held back).");
            case "search-key":
                return await WithServicesAsync(rest, configure, async s =>
                {
                    var index = s.GetRequiredService<IOptions<IndexerOptions>>().Value.Index;
                    Console.Out.WriteLine(await s.GetRequiredService<SearchIndexWriter>().CreateSearchKeyAsync(index, CancellationToken.None));
                    return 0;
                });
            default:
                throw new UsageException($"unknown command '{args[0]}'; run with --help.");
        }
    }

    private static int PeersAdd(string url, string[] more, Action<IServiceCollection>? configure)
    {
        string? root = null, name = null;
        var rest = new List<string>();
        for (var i = 0; i < more.Length; i++)
        {
            switch (more[i])
            {
                case "--root" when i + 1 < more.Length:
                    root = more[++i];
                    break;
                case "--name" when i + 1 < more.Length:
                    name = more[++i];
                    break;
                default:
                    rest.Add(more[i]);
                    break;
            }
        }
        if (!PeerLinks.TryParseBase(url, out var uri))
        {
            throw new UsageException($"'{url}' is not an absolute http(s) base URL without query.");
        }
        if (root is null || !Base64Url.TryDecode(root, out var kidBytes) || kidBytes.Length != 32)
        {
            throw new UsageException("--root KID is required: the pinned root key id (base64url SHA-256 of the key, 43 characters).");
        }
        var canonical = uri.AbsoluteUri.TrimEnd('/');
        return WithServices(rest.ToArray(), configure, s =>
        {
            var store = s.GetRequiredService<StateStore>();
            var id = store.Write(st => st.Peers.Find(canonical) is null ? st.Peers.Add(canonical, root, name)
                : throw new UsageException($"peer {canonical} is already configured."));
            Console.Out.WriteLine($"added peer #{id} {canonical} (pinned root {root})");
            return 0;
        });
    }

    private static int PeersList(IServiceProvider s)
    {
        foreach (var p in s.GetRequiredService<StateStore>().Read(st => st.Peers.List()))
        {
            Console.Out.WriteLine($"#{p.Id}\t{p.Url}\t{p.NodeId ?? "-"}\t{p.Name ?? p.NodeName ?? "-"}\troot {p.RootKid}");
        }
        return 0;
    }

    private static int PeersRemove(IServiceProvider s, string which)
    {
        var store = s.GetRequiredService<StateStore>();
        var peer = store.Write(st =>
        {
            var found = st.Peers.Find(which) ?? st.Peers.Find(which.TrimEnd('/')) ?? throw new UsageException($"no peer '{which}'.");
            st.Peers.Remove(found);
            return found;
        });
        Console.Out.WriteLine($"removed peer #{peer.Id} {peer.Url}; its documents leave search at the next flush");
        return 0;
    }

    private static async Task<int> SyncOnceAsync(IServiceProvider s)
    {
        var results = await s.GetRequiredService<SyncRunner>().SyncAllOnceAsync(CancellationToken.None);
        foreach (var r in results)
        {
            Console.Out.WriteLine(r.Ok ? $"ok\t{r.Peer}\t{r.Applied} version(s) applied" : $"FAILED\t{r.Peer}\t{r.Error}");
        }
        await s.GetRequiredService<SearchFlusher>().FlushAllAsync(CancellationToken.None);
        return results.All(r => r.Ok) ? 0 : 1;
    }

    private static int Status(IServiceProvider s)
    {
        using var st = s.GetRequiredService<StateStore>().Read();
        var now = st.Now;
        string Ago(long? t) => t is { } v ? $"{DateTimeOffset.FromUnixTimeSeconds(v):yyyy-MM-dd HH:mm:ss}Z ({now - v} s ago)" : "never";
        foreach (var p in st.Peers.List())
        {
            var node = p.NodeId ?? "-";
            Console.Out.WriteLine($"#{p.Id} {node} {p.Url}");
            Console.Out.WriteLine($"  last success: {Ago(p.LastSuccess)}; lag: {(p.HeadIat is { } iat ? (now - iat).ToString(CultureInfo.InvariantCulture) + " s" : "-")}; cursor: {p.Cursor}; keyset: v{p.KeysetVersion?.ToString(CultureInfo.InvariantCulture) ?? "-"}");
            Console.Out.WriteLine($"  quarantined: {(p.NodeId is null ? 0 : st.Alerts.QuarantinedCount(p.NodeId))}; open alerts: {(p.NodeId is null ? 0 : st.Alerts.OpenCount(p.NodeId))}; hidden: {p.HiddenReason ?? "no"}; failures: {p.Failures}{(p.Failures > 0 ? $" (backing off: next attempt in {Math.Max(0, p.NextAttempt - now)} s)" : "")}");
            Console.Out.WriteLine($"  last error: {p.LastError ?? "-"}");
        }
        Console.Out.WriteLine($"outbox: {st.Outbox.Size()} pending search change(s)");
        return 0;
    }

    private static int Alerts(IServiceProvider s)
    {
        foreach (var a in s.GetRequiredService<StateStore>().Read(st => st.Alerts.List()))
        {
            Console.Out.WriteLine($"#{a.Id}\t{a.Kind}\t{a.Node ?? "-"}\t{a.ListingId ?? "-"}\t{DateTimeOffset.FromUnixTimeSeconds(a.Since):yyyy-MM-dd HH:mm}Z\t{a.Message}");
        }
        return 0;
    }

    private static int Quarantine(IServiceProvider s)
    {
        foreach (var l in s.GetRequiredService<StateStore>().Read(st => st.Listings.HeldBack()))
        {
            var why = l.State == ListingState.Quarantined
                ? l.Reason ?? "quarantined"
                : $"contact change held until {DateTimeOffset.FromUnixTimeSeconds(l.HeldUntil ?? 0):yyyy-MM-dd HH:mm}Z";
            Console.Out.WriteLine($"{l.Node}\t{l.Id}\tseq {l.Seq}\t{why}");
        }
        return 0;
    }

    private static int Release(IServiceProvider s, string node, string id)
    {
        var released = s.GetRequiredService<StateStore>().Write(st => st.Listings.Release(node, id))
            ?? throw new UsageException($"listing {id} of '{node}' is not held back (see 'quarantine').");
        Console.Out.WriteLine($"released {released} of {node}/{id}; it reaches search at the next flush");
        return 0;
    }

    private static int WithServices(string[] configArgs, Action<IServiceCollection>? configure, Func<IServiceProvider, int> action) =>
        WithServicesAsync(configArgs, configure, s => Task.FromResult(action(s))).GetAwaiter().GetResult();

    private static async Task<int> WithServicesAsync(string[] configArgs, Action<IServiceCollection>? configure, Func<IServiceProvider, Task<int>> action)
    {
        foreach (var a in configArgs)
        {
            if (a.StartsWith("--", StringComparison.Ordinal) && !a.Contains(':', StringComparison.Ordinal) && !a.Contains("__", StringComparison.Ordinal))
            {
                throw new UsageException($"unknown option '{a}'.");
            }
        }
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = configArgs });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddIndexer(builder.Configuration);
        configure?.Invoke(builder.Services);
        using var host = builder.Build();
        _ = host.Services.GetRequiredService<IOptions<IndexerOptions>>().Value;
        host.Services.GetRequiredService<Database>().Migrate();
        return await action(host.Services);
    }
}

public sealed class UsageException(string message) : Exception(message);
