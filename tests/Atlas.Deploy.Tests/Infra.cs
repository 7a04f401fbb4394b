using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using YamlDotNet.RepresentationModel;

namespace Atlas.Deploy.Tests;

/// <summary>Repository paths and external tools. Missing tools FAIL the test (never skip).</summary>
internal static class Repo
{
    public static readonly string Root = FindRoot();

    static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Directory.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Directory.sln not found above " + AppContext.BaseDirectory);
    }

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(PathOf(parts));
}

internal sealed record ProcResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

internal static class Proc
{
    /// <summary>Runs a program with a bounded wait; kills it on timeout.</summary>
    public static ProcResult Run(string file, IEnumerable<string> args, string? workDir = null,
        IDictionary<string, string>? env = null, int timeoutSeconds = 60)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDir ?? Repo.Root,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutSeconds}s");
        }
        p.WaitForExit();
        return new ProcResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Absolute path of an executable on PATH, or null.</summary>
    public static string? Which(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    public static string Require(string name, string howToInstall) =>
        Which(name) ?? throw new Xunit.Sdk.XunitException(
            $"Required tool '{name}' is not on PATH. These deployment tests must not be skipped: {howToInstall}");

    public static int FreeTcpPort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}

/// <summary>`docker compose` (plugin) or, failing that, the standalone `docker-compose`.</summary>
internal static class Compose
{
    public static readonly string ComposeFile = Repo.PathOf("deploy", "compose", "compose.yaml");
    public static readonly string ExampleEnv = Repo.PathOf("deploy", "compose", ".env.example");

    static readonly Lazy<(string File, string[] Prefix)> Tool = new(Find);

    static (string, string[]) Find()
    {
        var docker = Proc.Require("docker",
            "install the Docker CLI (the engine is not needed; `docker compose config` only renders files).");
        var plugin = Proc.Run(docker, ["compose", "version"], timeoutSeconds: 30);
        if (plugin.ExitCode == 0)
        {
            return (docker, ["compose"]);
        }
        var standalone = Proc.Which("docker-compose");
        if (standalone is not null)
        {
            return (standalone, []);
        }
        throw new Xunit.Sdk.XunitException(
            "docker is present but has no compose: neither `docker compose` (plugin) nor `docker-compose` works. " +
            "Install the compose plugin, or on Debian `apt-get install -y docker-compose`.\n" + plugin);
    }

    public static ProcResult Config(string envFile, params string[] extra) =>
        Proc.Run(Tool.Value.File, [.. Tool.Value.Prefix, "--env-file", envFile, "-f", ComposeFile, "config", .. extra],
            workDir: Path.GetDirectoryName(ComposeFile), timeoutSeconds: 90);

    static readonly Lazy<YamlMappingNode> RenderedLazy = new(() =>
    {
        var r = Config(ExampleEnv);
        Assert.True(r.ExitCode == 0, "compose config failed with .env.example:\n" + r);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(r.Stdout));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    });

    /// <summary>The rendered (interpolated, merged) compose model for .env.example.</summary>
    public static YamlMappingNode Rendered => RenderedLazy.Value;
}

internal static class Yaml
{
    public static YamlNode? Get(this YamlNode node, string key) =>
        node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    public static YamlMappingNode Map(this YamlNode node, string key) =>
        node.Get(key) as YamlMappingNode ?? throw new Xunit.Sdk.XunitException($"missing mapping '{key}'");

    public static string? Str(this YamlNode node, string key) => (node.Get(key) as YamlScalarNode)?.Value;

    public static IEnumerable<(string Key, YamlNode Value)> Entries(this YamlNode node) =>
        node is YamlMappingNode m
            ? m.Children.Select(kv => (((YamlScalarNode)kv.Key).Value!, kv.Value))
            : [];

    /// <summary>Environment of a service as key/value whatever form compose rendered (map or list).</summary>
    public static Dictionary<string, string> Env(this YamlNode service)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (service.Get("environment"))
        {
            case YamlMappingNode m:
                foreach (var (k, v) in m.Entries())
                {
                    result[k] = (v as YamlScalarNode)?.Value ?? "";
                }
                break;
            case YamlSequenceNode s:
                foreach (var item in s.Children.OfType<YamlScalarNode>())
                {
                    var text = item.Value ?? "";
                    var eq = text.IndexOf('=');
                    result[eq < 0 ? text : text[..eq]] = eq < 0 ? "" : text[(eq + 1)..];
                }
                break;
        }
        return result;
    }

    /// <summary>Names from a list (`[a, b]`) or the keys of a mapping (`a: {}`), as compose renders either.</summary>
    public static string[] Names(this YamlNode? node) => node switch
    {
        YamlMappingNode m => m.Entries().Select(e => e.Key).ToArray(),
        YamlSequenceNode s => s.Children.OfType<YamlScalarNode>().Select(c => c.Value ?? "").ToArray(),
        _ => [],
    };

    public static IEnumerable<string> Scalars(this YamlNode? node) => node switch
    {
        YamlScalarNode s => [s.Value ?? ""],
        YamlSequenceNode seq => seq.Children.SelectMany(c => c.Scalars()),
        YamlMappingNode m => m.Children.SelectMany(kv => kv.Key.Scalars().Concat(kv.Value.Scalars())),
        _ => [],
    };
}
