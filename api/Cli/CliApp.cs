using Atlas.Api.Admin;
using Atlas.Api.Data;
using Atlas.Api.EditorConsole;
using Atlas.Api.Federation;
using Atlas.Api.Organisations;
using Atlas.Api.Signing;
using Atlas.Protocol;
using Microsoft.AspNetCore.Authorization;

namespace Atlas.Api.Cli;

/// <summary>A CLI error: one line on stderr, exit code 1.</summary>
public sealed class CliException(string message) : Exception(message);

/// <summary>Commands of the node executable. Everything but <c>serve</c> runs here and exits; <c>serve</c>
/// (the default) returns null and Program.cs builds the web host.</summary>
public static class CliApp
{
    public const string Usage = """
        usage: Atlas.Api <command> [options]
          init --data DIR --node-id ID --name NAME --base-url URL [--region R]
          serve [--data DIR] [--urls URL]              (default command)
          token create --role admin|editor --name NAME [--data DIR]
          enrol --name NAME [--role admin|editor] [--hours H] [--data DIR]   (one-time console enrolment link)
          import FILE.json|FILE.csv [--data DIR]
          export --format json|csv [--out FILE] [--include-private] [--data DIR]
          withdraw ID [--data DIR]
          keys rotate | keys revoke KID | keys rotate-root [--data DIR]
          backup --out FILE [--data DIR]
          routes                                       (lists HTTP routes and their policies)
        DIR defaults to the Node__DataDir environment variable.
        """;

    /// <summary>True when the process was started as <c>routes</c>: Program.cs prints the endpoints and exits.</summary>
    public static bool ListRoutes(string[] args) => args.Length > 0 && args[0] == "routes";

    public static async Task<int?> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "serve" or "routes" || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            return null;
        }
        try
        {
            var cmd = args[0];
            var rest = args[1..];
            switch (cmd)
            {
                case "init":
                    Init(CliArgs.Parse(rest, ["data", "node-id", "name", "base-url", "region"], []));
                    return 0;
                case "token":
                    Token(rest);
                    return 0;
                case "enrol":
                    Enrol(CliArgs.Parse(rest, ["data", "role", "name", "hours"], []));
                    return 0;
                case "import":
                    Import(CliArgs.Parse(rest, ["data"], [], positional: 1));
                    return 0;
                case "export":
                    await Export(CliArgs.Parse(rest, ["data", "format", "out"], ["include-private"]));
                    return 0;
                case "withdraw":
                    Withdraw(CliArgs.Parse(rest, ["data"], [], positional: 1));
                    return 0;
                case "keys":
                    Keys(rest);
                    return 0;
                case "backup":
                    Backup(CliArgs.Parse(rest, ["data", "out"], []));
                    return 0;
                case "help" or "-h":
                    Console.Out.WriteLine(Usage);
                    return 0;
                default:
                    throw new CliException($"Unknown command '{cmd}'. Run 'Atlas.Api help' for the list.");
            }
        }
        catch (Exception e) when (e is CliException or IOException or UnauthorizedAccessException or PublishConflictException or ListingNotFoundException or ProtocolException)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message.ReplaceLineEndings(" "));
            return 1;
        }
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

    private static NodeStore OpenStore(CliArgs a)
    {
        var dir = a.Get("data") ?? Environment.GetEnvironmentVariable("Node__DataDir")
            ?? throw new CliException("Give --data DIR (or set Node__DataDir).");
        var store = new NodeStore(dir);
        if (!store.Exists)
        {
            throw new CliException($"{store.DbPath} does not exist; run 'init' first.");
        }
        store.Migrate();
        return store;
    }

    private static void Init(CliArgs a)
    {
        var dir = a.Require("data");
        var nodeId = a.Require("node-id");
        var name = a.Require("name");
        var baseUrl = a.Require("base-url").TrimEnd('/');
        if (!Identifiers.IsNodeId(nodeId))
        {
            throw new CliException($"--node-id '{nodeId}' must match ^[a-z][a-z0-9-]{{1,62}}$ (e.g. berlin).");
        }
        if (!Tokens.IsValidName(name))
        {
            throw new CliException("--name is 1–100 characters of plain text.");
        }
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(u.Query))
        {
            throw new CliException($"--base-url '{baseUrl}' must be an absolute http(s) URL without a query.");
        }
        var store = new NodeStore(dir);
        if (store.Exists || Directory.Exists(store.KeysDir))
        {
            throw new CliException($"{store.DataDir} already holds a node; refusing to overwrite it.");
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
        new NodeIdentity(nodeId, name, baseUrl, a.Get("region") ?? "").Save(conn, tx);
        KeyStore.Init(store, conn, tx, nodeId);
        Audit.Write(conn, tx, "cli", "node.init", nodeId);
        tx.Commit();
        var keys = new KeyStore(store);
        Console.Out.WriteLine($"initialised node '{nodeId}' in {store.DataDir}");
        Console.Out.WriteLine($"root-kid: {keys.RootKid(conn)}");
        Console.Out.WriteLine($"signing-kid: {keys.CurrentSigningKey(conn).Kid}");
    }

    private static void Token(string[] rest)
    {
        if (rest.Length == 0 || rest[0] != "create")
        {
            throw new CliException("Usage: token create --role admin|editor --name NAME");
        }
        var a = CliArgs.Parse(rest[1..], ["data", "role", "name"], []);
        var role = a.Require("role");
        var name = a.Require("name");
        if (role is not (Tokens.Admin or Tokens.Editor))
        {
            throw new CliException($"--role is admin or editor, not '{role}'.");
        }
        if (!Tokens.IsValidName(name))
        {
            throw new CliException("--name is 1–100 characters of plain text.");
        }
        var store = OpenStore(a);
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        var (id, token) = Tokens.Create(conn, tx, role, name);
        Audit.Write(conn, tx, "cli", "token.create", id.ToString(), $"{role} '{name}'");
        tx.Commit();
        // The token alone on stdout, so scripts can capture it; it is shown this once and stored hashed.
        Console.Out.WriteLine(token);
    }

    /// <summary>Prints a one-time link that enrols a passkey for the console (the first admin's way in). The
    /// console origin comes from Console__Origin like the server's, else from the node's base URL.</summary>
    private static void Enrol(CliArgs a)
    {
        var role = a.Get("role") ?? Tokens.Admin;
        var name = a.Require("name");
        if (role is not (Tokens.Admin or Tokens.Editor))
        {
            throw new CliException($"--role is admin or editor, not '{role}'.");
        }
        if (!Tokens.IsValidName(name))
        {
            throw new CliException("--name is 1–100 characters of plain text.");
        }
        var options = new ConsoleOptions { Origin = Environment.GetEnvironmentVariable("Console__Origin") ?? "", RpId = Environment.GetEnvironmentVariable("Console__RpId") ?? "" };
        var hours = a.Get("hours") is { } h ? (int.TryParse(h, out var n) && n is >= 1 and <= 720 ? n : throw new CliException("--hours is a whole number from 1 to 720.")) : options.EnrolmentHours;
        if (ConsoleOptions.Problems(options).FirstOrDefault() is { } problem)
        {
            throw new CliException(problem);
        }
        var store = OpenStore(a);
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        var node = NodeIdentity.Load(conn, tx);
        var site = ConsoleSite.Resolve(options, node.NodeId, node.Name, node.BaseUrl);
        var link = ConsoleUsers.Invite(conn, tx, site, name, role, "cli", NodeStore.Now(), TimeSpan.FromHours(hours));
        tx.Commit();
        // The link alone on stdout, so scripts can capture it; it is shown this once and stored hashed.
        Console.Out.WriteLine(link.Link);
    }

    private static void Import(CliArgs a)
    {
        var file = a.Positional[0];
        var rows = ImportExport.Read(file);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
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
        var store = OpenStore(a);
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

    private static async Task Export(CliArgs a)
    {
        var format = a.Require("format");
        if (format is not ("json" or "csv"))
        {
            throw new CliException($"--format is json or csv, not '{format}'.");
        }
        var store = OpenStore(a);
        var text = ImportExport.Export(store, format, a.Flag("include-private"));
        if (a.Get("out") is { } path)
        {
            await File.WriteAllTextAsync(path, text);
        }
        else
        {
            await Console.Out.WriteAsync(text);
        }
    }

    private static void Withdraw(CliArgs a)
    {
        var store = OpenStore(a);
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        var v = DirectoryCommands.Withdraw(conn, tx, new Publisher(new KeyStore(store)), a.Positional[0], "cli", takedown: false);
        tx.Commit();
        Console.Out.WriteLine($"withdrew {v.Id}: tombstone seq {v.Seq} at feed_seq {v.FeedSeq}. A running node pushes it within Node:HeadCheckSeconds.");
    }

    private static void Keys(string[] rest)
    {
        if (rest.Length == 0)
        {
            throw new CliException("Usage: keys rotate | keys revoke KID | keys rotate-root");
        }
        var sub = rest[0];
        var a = CliArgs.Parse(rest[1..], ["data"], [], positional: sub == "revoke" ? 1 : 0);
        var store = OpenStore(a);
        var keys = new KeyStore(store);
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        var node = NodeIdentity.Load(conn, tx);
        string message;
        switch (sub)
        {
            case "rotate":
                var kid = keys.Rotate(conn, tx, node.NodeId);
                Audit.Write(conn, tx, "cli", "keys.rotate", kid);
                message = $"new signing key {kid}; keyset version {KeyStore.LatestKeyset(conn, tx).Version}";
                break;
            case "revoke":
                var revoked = a.Positional[0];
                keys.Revoke(conn, tx, node.NodeId, revoked);
                var resigned = new Publisher(keys).ResignAll(conn, tx, revoked);
                Audit.Write(conn, tx, "cli", "keys.revoke", revoked, $"re-signed {resigned.Count} listings");
                message = $"revoked {revoked}; keyset version {KeyStore.LatestKeyset(conn, tx).Version}; re-signed {resigned.Count} listings";
                break;
            case "rotate-root":
                var root = keys.RotateRoot(conn, tx, node.NodeId);
                Audit.Write(conn, tx, "cli", "keys.rotate-root", root);
                message = $"new root key {root}; keyset version {KeyStore.LatestKeyset(conn, tx).Version}. Tell indexers the new root kid for fresh pins.";
                break;
            default:
                throw new CliException($"Unknown keys command '{sub}': rotate, revoke KID or rotate-root.");
        }
        tx.Commit();
        Console.Out.WriteLine(message);
    }

    private static void Backup(CliArgs a)
    {
        var store = OpenStore(a);
        var output = a.Require("out");
        store.Backup(output);
        Console.Out.WriteLine($"backed up {store.DbPath} to {Path.GetFullPath(output)}; back up {store.KeysDir} separately (it holds private keys).");
    }
}

/// <summary>A tiny argument parser: <c>--name value</c> options, <c>--flag</c> switches, positionals.
/// Anything unexpected is an error naming it.</summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    public List<string> Positional { get; } = [];

    public static CliArgs Parse(string[] args, string[] options, string[] flags, int positional = 0)
    {
        var a = new CliArgs();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                var name = args[i][2..];
                if (flags.Contains(name))
                {
                    a._flags.Add(name);
                }
                else if (options.Contains(name))
                {
                    if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        throw new CliException($"--{name} needs a value.");
                    }
                    a._options[name] = args[++i];
                }
                else
                {
                    throw new CliException($"Unknown option --{name}.");
                }
            }
            else
            {
                a.Positional.Add(args[i]);
            }
        }
        if (a.Positional.Count != positional)
        {
            throw new CliException(positional == 0 ? $"Unexpected argument '{a.Positional[0]}'." : $"Expected {positional} argument(s), got {a.Positional.Count}.");
        }
        return a;
    }

    public string? Get(string name) => _options.GetValueOrDefault(name);
    public string Require(string name) => Get(name) ?? throw new CliException($"--{name} is required.");
    public bool Flag(string name) => _flags.Contains(name);
}
