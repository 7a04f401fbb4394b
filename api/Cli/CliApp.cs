using System.CommandLine;
using Atlas.Api.Admin;
using Atlas.Api.Data;
using Atlas.Api.EditorConsole;
using Atlas.Api.Federation;
using Atlas.Api.Organisations;
using Atlas.Api.Signing;
using Atlas.Hosting;
using Atlas.Protocol;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.Cli;

/// <summary>A refused or failed CLI operation: one line on stderr, exit code 1 (<see cref="ExitCodes"/>).</summary>
public sealed class CliException(string message) : Exception(message);

/// <summary>Commands of the node executable (System.CommandLine; <c>help</c> lists them). Everything but
/// <c>serve</c> and <c>routes</c> runs here and exits; <c>serve</c> (the default) and <c>routes</c> return null
/// and Program.cs builds the web host.</summary>
public static class CliApp
{
    /// <summary>True when the process was started as <c>routes</c>: Program.cs prints the endpoints and exits.</summary>
    public static bool ListRoutes(string[] args) => args.Length > 0 && args[0] == "routes";

    public static async Task<int?> RunAsync(string[] args)
    {
        var host = false;
        var code = await CommandLineRunner.RunAsync(Commands(() => host = true), CommandLineRunner.SplitConfiguration(args).Command, IsOperational);
        return host && code == ExitCodes.Ok ? null : code;
    }

    private static bool IsOperational(Exception e) =>
        e is CliException or IOException or UnauthorizedAccessException or PublishConflictException or ListingNotFoundException
            or ProtocolException or SigningException or SqliteException;

    private static Option<string> DataOption() => new("--data") { Description = "The node's data directory (default: the Node__DataDir environment variable).", HelpName = "DIR" };

    private static RootCommand Commands(Action serve)
    {
        var root = new RootCommand("Atlas node: serves and signs one group's listings. Configuration overrides (--Node:Key value) go to serve.");
        void Host(Command c)
        {
            c.Add(DataOption());
            c.Add(new Option<string>("--urls") { Description = "Addresses to listen on (e.g. http://127.0.0.1:5080).", HelpName = "URL" });
            c.SetAction(_ => serve());
        }
        Host(root);
        var serveCommand = new Command("serve", "Serve the node's HTTP API (the default command).");
        Host(serveCommand);
        root.Add(serveCommand);
        var routes = new Command("routes", "List the HTTP routes and their authorization policies.");
        Host(routes);
        root.Add(routes);

        {
            var data = new Option<string>("--data") { Description = "The directory to create: atlas.db and keys/.", Required = true, HelpName = "DIR" };
            var nodeId = new Option<string>("--node-id") { Description = "The node id: ^[a-z][a-z0-9-]{1,62}$ (e.g. berlin).", Required = true, HelpName = "ID" };
            var name = new Option<string>("--name") { Description = "The node's display name.", Required = true };
            var baseUrl = new Option<string>("--base-url") { Description = "The public base URL of the node.", Required = true, HelpName = "URL" };
            var region = new Option<string>("--region") { Description = "Free text region (e.g. Berlin, DE).", HelpName = "R" };
            var roots = new Option<int?>("--roots") { Description = "Number of root keys (1–16), written to --root-keys DIR as root1.key … to be held offline by different people.", HelpName = "N" };
            var threshold = new Option<int?>("--threshold") { Description = "How many of the roots must sign every later keyset version (1 ≤ T ≤ N; default 1).", HelpName = "T" };
            var rootKeys = new Option<string>("--root-keys") { Description = "Where to write the root key files (outside DIR; move them offline). Without it the one root key stays in DIR/keys.", HelpName = "KEYDIR" };
            var init = new Command("init", "Create a node: its database, root and signing keys, and its first keyset.") { data, nodeId, name, baseUrl, region, roots, threshold, rootKeys };
            init.SetAction(p => Init(p.GetRequiredValue(data), p.GetRequiredValue(nodeId), p.GetRequiredValue(name), p.GetRequiredValue(baseUrl), p.GetValue(region),
                OfflineRootsOption(p.GetValue(roots), p.GetValue(threshold), p.GetValue(rootKeys))));
            root.Add(init);
        }
        {
            var data = DataOption();
            var role = new Option<string>("--role") { Description = "admin or editor.", Required = true };
            var name = new Option<string>("--name") { Description = "Who holds the token.", Required = true };
            var create = new Command("create", "Create an API token; prints it once on stdout.") { role, name, data };
            create.SetAction(p => Token(p.GetValue(data), p.GetRequiredValue(role), p.GetRequiredValue(name)));
            root.Add(new Command("token", "API tokens.") { create });
        }
        {
            var data = DataOption();
            var name = new Option<string>("--name") { Description = "Who the link is for (their name in the console and the audit log).", Required = true };
            var role = new Option<string>("--role") { Description = "admin (default) or editor." };
            var hours = new Option<int?>("--hours") { Description = "How long the link stays usable (1–720; default Console:EnrolmentHours, 72).", HelpName = "H" };
            var enrol = new Command("enrol", "Make a one-time console enrolment link (a passkey for the editors' console); prints it once on stdout.") { name, role, hours, data };
            enrol.SetAction(p => Enrol(p.GetValue(data), p.GetRequiredValue(name), p.GetValue(role) ?? Tokens.Admin, p.GetValue(hours)));
            root.Add(enrol);
        }
        {
            var data = DataOption();
            var file = new Argument<string>("FILE") { Description = "A .json import file or a .csv file (docs/operations.md)." };
            var import = new Command("import", "Import organisations as signed listings (all or nothing).") { file, data };
            import.SetAction(p => Import(p.GetValue(data), p.GetRequiredValue(file)));
            root.Add(import);
        }
        {
            var data = DataOption();
            var format = new Option<string>("--format") { Description = "json (lossless) or csv.", Required = true };
            var output = new Option<string>("--out") { Description = "Write to FILE instead of stdout.", HelpName = "FILE" };
            var includePrivate = new Option<bool>("--include-private") { Description = "Include hidden contacts (JSON only)." };
            var export = new Command("export", "Export the active organisations.") { format, output, includePrivate, data };
            export.SetAction(p => Export(p.GetValue(data), p.GetRequiredValue(format), p.GetValue(output), p.GetValue(includePrivate)));
            root.Add(export);
        }
        {
            var data = DataOption();
            var id = new Argument<string>("ID") { Description = "The listing id." };
            var withdraw = new Command("withdraw", "Withdraw a listing: publish its tombstone.") { id, data };
            withdraw.SetAction(p => Withdraw(p.GetValue(data), p.GetRequiredValue(id)));
            root.Add(withdraw);
        }
        root.Add(KeysCommand());
        {
            var data = DataOption();
            var output = new Option<string>("--out") { Description = "The backup file to create.", Required = true, HelpName = "FILE" };
            var backup = new Command("backup", "Online backup of the database (not of keys/).") { output, data };
            backup.SetAction(p => Backup(p.GetValue(data), p.GetRequiredValue(output)));
            root.Add(backup);
        }
        return root;
    }

    private static Command KeysCommand()
    {
        var keys = new Command("keys", "Signing and root keys.");
        Command Simple(string name, string description, Func<KeyStore, SqliteConnection, SqliteTransaction, string, string> action)
        {
            var data = DataOption();
            var c = new Command(name, description) { data };
            c.SetAction(p => KeysChange(p.GetValue(data), (k, conn, tx, node) => action(k, conn, tx, node)));
            return c;
        }
        keys.Add(Simple("rotate", "New current signing key; the old one is retired.", (k, conn, tx, node) =>
        {
            var kid = k.Rotate(conn, tx, node);
            Audit.Write(conn, tx, k.Store.Now(), "cli", "keys.rotate", kid);
            return $"new signing key {kid}; keyset version {KeyStore.LatestKeyset(conn, tx).Version}";
        }));
        {
            var data = DataOption();
            var kid = new Argument<string>("KID") { Description = "The signing key to revoke." };
            var revoke = new Command("revoke", "Revoke a signing key and re-sign what it signed.") { kid, data };
            revoke.SetAction(p => KeysChange(p.GetValue(data), (k, conn, tx, node) =>
            {
                var revoked = p.GetRequiredValue(kid);
                k.Revoke(conn, tx, node, revoked);
                var resigned = new Publisher(k).ResignAll(conn, tx, revoked);
                Audit.Write(conn, tx, k.Store.Now(), "cli", "keys.revoke", revoked, $"re-signed {resigned.Count} listings");
                return $"revoked {revoked}; keyset version {KeyStore.LatestKeyset(conn, tx).Version}; re-signed {resigned.Count} listings";
            }));
            keys.Add(revoke);
        }
        KeyCeremonyCli.AddTo(keys, DataOption, KeysChange);
        return keys;
    }

    /// <summary>Arguments for the web host: <c>--data DIR</c> becomes <c>Node:DataDir</c>; the command word is dropped.</summary>
    public static string[] ServeArgs(string[] args)
    {
        var list = args.Length > 0 && args[0] is "serve" or "routes" ? args[1..].ToList() : args.ToList();
        var i = list.IndexOf("--data");
        if (i >= 0 && i + 1 < list.Count)
        {
            list[i] = "--Node:DataDir";
        }
        return [.. list];
    }

    public static void PrintRoutes(WebApplication app)
    {
        foreach (var ep in ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
        {
            var methods = ep.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"];
            var policies = ep.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy ?? "default").ToList();
            foreach (var m in methods)
            {
                Console.Out.WriteLine($"{m} /{ep.RoutePattern.RawText?.TrimStart('/')} {(policies.Count == 0 ? "-" : string.Join(",", policies))}");
            }
        }
    }

    private static NodeStore OpenStore(string? data)
    {
        var dir = data ?? Environment.GetEnvironmentVariable("Node__DataDir")
            ?? throw new UsageException("Give --data DIR (or set Node__DataDir).");
        var store = new NodeStore(dir);
        if (!store.Exists)
        {
            throw new CliException($"{store.DbPath} does not exist; run 'init' first.");
        }
        store.Migrate();
        return store;
    }

    private static OfflineRoots? OfflineRootsOption(int? roots, int? threshold, string? dir)
    {
        if (dir is null)
        {
            return roots is null or 1 && threshold is null or 1
                ? null
                : throw new UsageException("--roots and --threshold need --root-keys KEYDIR: the root key files go there, to be moved offline.");
        }
        var n = roots ?? 1;
        var t = threshold ?? 1;
        return n is >= 1 and <= 16 && t >= 1 && t <= n
            ? new OfflineRoots(n, t, dir)
            : throw new UsageException($"--roots is 1–16 and --threshold 1 to --roots (got {n} and {t}).");
    }

    private static void Init(string dir, string nodeId, string name, string baseUrl, string? region, OfflineRoots? offline)
    {
        baseUrl = baseUrl.TrimEnd('/');
        if (!Identifiers.IsNodeId(nodeId))
        {
            throw new UsageException($"--node-id '{nodeId}' must match ^[a-z][a-z0-9-]{{1,62}}$ (e.g. berlin).");
        }
        if (!Tokens.IsValidName(name))
        {
            throw new UsageException("--name is 1–100 characters of plain text.");
        }
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(u.Query))
        {
            throw new UsageException($"--base-url '{baseUrl}' must be an absolute http(s) URL without a query.");
        }
        var store = new NodeStore(dir);
        if (store.Exists || Directory.Exists(store.KeysDir))
        {
            throw new CliException($"{store.DataDir} already holds a node; refusing to overwrite it.");
        }
        if (offline is not null && Path.GetFullPath(offline.Dir).StartsWith(Path.GetFullPath(store.DataDir).TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            throw new UsageException("--root-keys must be outside the data directory: root keys are meant to leave the server.");
        }
        Directory.CreateDirectory(store.DataDir);
        if (!OperatingSystem.IsWindows())
        {
            // The database holds hidden contacts and submitter emails: owner only.
            File.SetUnixFileMode(store.DataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        store.CreateOrMigrate();
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        new NodeIdentity(nodeId, name, baseUrl, region ?? "").Save(conn, tx);
        var roots = KeyStore.Init(store, conn, tx, nodeId, offline);
        Audit.Write(conn, tx, store.Now(), "cli", "node.init", nodeId, offline is null ? null : $"{offline.Count} offline roots, threshold {offline.Threshold}");
        tx.Commit();
        var keys = new KeyStore(store);
        Console.Out.WriteLine($"initialised node '{nodeId}' in {store.DataDir}");
        foreach (var (kid, file) in roots)
        {
            Console.Out.WriteLine(file is null ? $"root-kid: {kid}" : $"root-kid: {kid} {file}");
        }
        if (offline is not null)
        {
            Console.Out.WriteLine($"threshold: {offline.Threshold} of {offline.Count}. Move each root key file to its holder's offline machine and delete it here.");
        }
        Console.Out.WriteLine($"signing-kid: {keys.CurrentSigningKey(conn).Kid}");
    }

    private static void Token(string? data, string role, string name)
    {
        if (role is not (Tokens.Admin or Tokens.Editor))
        {
            throw new UsageException($"--role is admin or editor, not '{role}'.");
        }
        if (!Tokens.IsValidName(name))
        {
            throw new UsageException("--name is 1–100 characters of plain text.");
        }
        var store = OpenStore(data);
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        var (id, token) = Tokens.Create(conn, tx, role, name, store.Now());
        Audit.Write(conn, tx, store.Now(), "cli", "token.create", id.ToString(), $"{role} '{name}'");
        tx.Commit();
        // The token alone on stdout, so scripts can capture it; it is shown this once and stored hashed.
        Console.Out.WriteLine(token);
    }

    /// <summary>Prints a one-time link that enrols a passkey for the console (the first admin's way in). The
    /// console origin comes from Console__Origin like the server's, else from the node's base URL.</summary>
    private static void Enrol(string? data, string name, string role, int? hours)
    {
        if (role is not (Tokens.Admin or Tokens.Editor))
        {
            throw new UsageException($"--role is admin or editor, not '{role}'.");
        }
        if (!Tokens.IsValidName(name))
        {
            throw new UsageException("--name is 1–100 characters of plain text.");
        }
        if (hours is not null and not (>= 1 and <= 720))
        {
            throw new UsageException("--hours is a whole number from 1 to 720.");
        }
        var options = new ConsoleOptions { Origin = Environment.GetEnvironmentVariable("Console__Origin") ?? "", RpId = Environment.GetEnvironmentVariable("Console__RpId") ?? "" };
        if (ConsoleOptions.Problems(options).FirstOrDefault() is { } problem)
        {
            throw new CliException(problem);
        }
        var store = OpenStore(data);
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        var node = NodeIdentity.Load(conn, tx);
        var site = ConsoleSite.Resolve(options, node.NodeId, node.Name, node.BaseUrl);
        var link = ConsoleUsers.Invite(conn, tx, site, name, role, "cli", store.Now(), TimeSpan.FromHours(hours ?? options.EnrolmentHours));
        tx.Commit();
        // The link alone on stdout, so scripts can capture it; it is shown this once and stored hashed.
        Console.Out.WriteLine(link.Link);
    }

    private static void Import(string? data, string file)
    {
        var rows = ImportExport.Read(file);
        var today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime); // the CLI runs on the system clock
        var prepared = new List<(PreparedOrg Org, string? Id)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (row.Id is { } id && (!Identifiers.IsListingId(id) || !seen.Add(id)))
            {
                throw new CliException($"{file}: row {i + 1} (id): '{id}' is not a lowercase UUID or repeats an earlier row.");
            }
            var p = OrgPreparation.Prepare(row, today);
            if (!p.IsValid)
            {
                var (field, messages) = p.Errors.First();
                throw new CliException($"{file}: row {i + 1} ({field}): {messages[0]} Nothing was imported.");
            }
            prepared.Add((p, row.Id));
        }
        var store = OpenStore(data);
        var publisher = new Publisher(new KeyStore(store));
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        for (var i = 0; i < prepared.Count; i++)
        {
            try
            {
                DirectoryCommands.Create(conn, tx, publisher, prepared[i].Org, "cli:import", prepared[i].Id);
            }
            catch (PublishConflictException e)
            {
                throw new CliException($"{file}: row {i + 1} (id): {e.Message} Nothing was imported.");
            }
        }
        tx.Commit();
        Console.Out.WriteLine($"imported {prepared.Count} organisations as signed listings");
    }

    private static async Task Export(string? data, string format, string? output, bool includePrivate)
    {
        if (format is not ("json" or "csv"))
        {
            throw new UsageException($"--format is json or csv, not '{format}'.");
        }
        var store = OpenStore(data);
        var text = ImportExport.Export(store, format, includePrivate);
        if (output is { } path)
        {
            await File.WriteAllTextAsync(path, text);
        }
        else
        {
            await Console.Out.WriteAsync(text);
        }
    }

    private static void Withdraw(string? data, string id)
    {
        var store = OpenStore(data);
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        var v = DirectoryCommands.Withdraw(conn, tx, new Publisher(new KeyStore(store)), id, "cli", takedown: false);
        tx.Commit();
        Console.Out.WriteLine($"withdrew {v.Id}: tombstone seq {v.Seq} at feed_seq {v.FeedSeq}. A running node pushes it within Node:HeadCheckSeconds.");
    }

    internal static void KeysChange(string? data, Func<KeyStore, SqliteConnection, SqliteTransaction, string, string> change)
    {
        var store = OpenStore(data);
        var keys = new KeyStore(store);
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        var message = change(keys, conn, tx, NodeIdentity.Load(conn, tx).NodeId);
        tx.Commit();
        Console.Out.WriteLine(message);
    }

    private static void Backup(string? data, string output)
    {
        var store = OpenStore(data);
        store.Backup(output);
        Console.Out.WriteLine($"backed up {store.DbPath} to {Path.GetFullPath(output)}; back up {store.KeysDir} separately (it holds private keys).");
    }
}
