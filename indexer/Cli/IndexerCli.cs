using System.CommandLine;
using System.Globalization;
using Atlas.Hosting;
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

/// <summary>Operator commands on the same executable (System.CommandLine; <c>help</c> lists them). Exit codes
/// and error lines follow <see cref="CommandLineRunner"/>: 2 for a bad command line or configuration, 1 for a
/// failed or refused operation. Configuration overrides (<c>--Indexer:Key value</c>) may follow any command.</summary>
public static class IndexerCli
{
    public static Task<int> RunAsync(string[] args, Action<IServiceCollection>? configure = null)
    {
        var (command, configuration) = CommandLineRunner.SplitConfiguration(args);
        return CommandLineRunner.RunAsync(Commands(configuration, configure), command,
            e => e is SqliteException or MeilisearchException or HttpRequestException or IOException);
    }

    private static RootCommand Commands(string[] config, Action<IServiceCollection>? configure)
    {
        var root = new RootCommand("Atlas indexer: verified federation sync into Meilisearch. Configuration: Indexer__Database, "
            + "Indexer__MeilisearchUrl, Indexer__MeilisearchKey | Indexer__MeilisearchKeyFile, Indexer__Index, … (docs/operations.md).");
        root.SetAction(new Func<ParseResult, int>(_ => throw new UsageException("give a command; run with --help for the list.")));

        var peers = new Command("peers", "The nodes this indexer pulls from.");
        {
            var url = new Argument<string>("URL") { Description = "The node's absolute http(s) base URL." };
            var rootKid = new Option<string>("--root") { Description = "The pinned root key id (base64url SHA-256 of the key, 43 characters).", HelpName = "KID" };
            var name = new Option<string>("--name") { Description = "A display name for the peer." };
            var add = new Command("add", "Add a peer with its pinned root key id.") { url, rootKid, name };
            add.SetAction(p => PeersAdd(p.GetRequiredValue(url), p.GetValue(rootKid), p.GetValue(name), config, configure));
            peers.Add(add);
            var list = new Command("list", "List peers.");
            list.SetAction(_ => WithServices(config, configure, PeersList));
            peers.Add(list);
            var which = new Argument<string>("PEER") { Description = "URL, #id or node id." };
            var remove = new Command("remove", "Remove a peer and its listings.") { which };
            remove.SetAction(p => WithServices(config, configure, s => PeersRemove(s, p.GetRequiredValue(which))));
            peers.Add(remove);
        }
        root.Add(peers);

        var urls = new Option<string>("--urls") { Description = "Addresses to listen on (e.g. http://127.0.0.1:5180).", HelpName = "URL" };
        var run = new Command("run", "Serve the push endpoints and sync and flush continuously.") { urls };
        run.SetAction(async p =>
        {
            string[] hostArgs = p.GetValue(urls) is { } u ? [.. config, "--urls", u] : config;
            await using var app = IndexerApp.Create(hostArgs, configure);
            await app.RunAsync();
            return ExitCodes.Ok;
        });
        root.Add(run);

        var once = new Option<bool>("--once") { Description = "Required: one pass (use 'run' for continuous sync)." };
        var sync = new Command("sync", "One pass over all peers, then flush (exit 1 if any peer failed).") { once };
        sync.SetAction(p => p.GetValue(once)
            ? WithServicesAsync(config, configure, SyncOnceAsync)
            : throw new UsageException("sync needs --once (use 'run' for continuous sync)."));
        root.Add(sync);

        root.Add(Simple("reindex", "Rebuild the search index and swap it in (zero downtime).", async s =>
        {
            var docs = await s.GetRequiredService<Reindexer>().ReindexAsync(CancellationToken.None);
            Console.Out.WriteLine($"reindexed: {docs} document(s)");
            return ExitCodes.Ok;
        }));
        root.Add(Simple("status", "Per-peer sync status.", s => Task.FromResult(Status(s))));
        root.Add(Simple("alerts", "Open alerts.", s => Task.FromResult(Alerts(s))));
        root.Add(Simple("quarantine", "Listings held back for review (over the per-day cap, contact change in cool-off).", s => Task.FromResult(Quarantine(s))));
        {
            var node = new Argument<string>("NODE") { Description = "The node id." };
            var id = new Argument<string>("LISTING_ID") { Description = "The listing id (see 'quarantine')." };
            var release = new Command("release", "After review: let a quarantined listing into search, or end a contact hold now.") { node, id };
            release.SetAction(p => WithServices(config, configure, s => Release(s, p.GetRequiredValue(node), p.GetRequiredValue(id))));
            root.Add(release);
        }
        root.Add(Simple("search-key", "Create the search-only key for the map site.", async s =>
        {
            var index = s.GetRequiredService<IOptions<IndexerOptions>>().Value.Index;
            Console.Out.WriteLine(await s.GetRequiredService<SearchIndexWriter>().CreateSearchKeyAsync(index, CancellationToken.None));
            return ExitCodes.Ok;
        }));
        return root;

        Command Simple(string name, string description, Func<IServiceProvider, Task<int>> action)
        {
            var c = new Command(name, description);
            c.SetAction(_ => WithServicesAsync(config, configure, action));
            return c;
        }
    }

    private static int PeersAdd(string url, string? root, string? name, string[] config, Action<IServiceCollection>? configure)
    {
        if (!PeerLinks.TryParseBase(url, out var uri))
        {
            throw new UsageException($"'{url}' is not an absolute http(s) base URL without query.");
        }
        if (root is null || !Base64Url.TryDecode(root, out var kidBytes) || kidBytes.Length != 32)
        {
            throw new UsageException("--root KID is required: the pinned root key id (base64url SHA-256 of the key, 43 characters).");
        }
        var canonical = uri.AbsoluteUri.TrimEnd('/');
        return WithServices(config, configure, s =>
        {
            var store = s.GetRequiredService<StateStore>();
            var id = store.Write(st => st.Peers.Find(canonical) is null ? st.Peers.Add(canonical, root, name)
                : throw new CommandFailedException($"peer {canonical} is already configured."));
            Console.Out.WriteLine($"added peer #{id} {canonical} (pinned root {root})");
            return ExitCodes.Ok;
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
            var found = st.Peers.Find(which) ?? st.Peers.Find(which.TrimEnd('/')) ?? throw new CommandFailedException($"no peer '{which}'.");
            st.Peers.Remove(found);
            return found;
        });
        Console.Out.WriteLine($"removed peer #{peer.Id} {peer.Url}; its documents leave search at the next flush");
        return 0;
    }

    private static async Task<int> SyncOnceAsync(IServiceProvider s)
    {
        var results = await s.GetRequiredService<SyncRunner>().SyncAllOnceAndFlushAsync(CancellationToken.None);
        foreach (var r in results)
        {
            Console.Out.WriteLine(r.Ok ? $"ok\t{r.Peer}\t{r.Applied} version(s) applied" : $"FAILED\t{r.Peer}\t{r.Error}");
        }
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
            ?? throw new CommandFailedException($"listing {id} of '{node}' is not held back (see 'quarantine').");
        Console.Out.WriteLine($"released {released} of {node}/{id}; it reaches search at the next flush");
        return 0;
    }

    private static int WithServices(string[] configArgs, Action<IServiceCollection>? configure, Func<IServiceProvider, int> action) =>
        WithServicesAsync(configArgs, configure, s => Task.FromResult(action(s))).GetAwaiter().GetResult();

    private static async Task<int> WithServicesAsync(string[] configArgs, Action<IServiceCollection>? configure, Func<IServiceProvider, Task<int>> action)
    {
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
