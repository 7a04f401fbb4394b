using Atlas.TestKit;
using Atlas.TestKit.Processes;
using YamlDotNet.RepresentationModel;

namespace Atlas.Deploy.Tests;

/// <summary>Repository files (TestKit's <see cref="RepoPaths"/>).</summary>
internal static class Repo
{
    public static string PathOf(params string[] parts) => Path.Combine([RepoPaths.Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(PathOf(parts));
}

/// <summary>External tools. Missing tools FAIL the test (never skip).</summary>
internal static class Proc
{
    /// <summary>Runs a program to exit with a bounded wait (TestKit's <see cref="ProcessHost.RunToExitAsync"/>; kills it on timeout).</summary>
    public static ProcessResult Run(string file, IEnumerable<string> args, string? workDir = null,
        IReadOnlyDictionary<string, string?>? env = null, int timeoutSeconds = 60) =>
        ProcessHost.RunToExitAsync(
                new ProcessSpec(file, args) { WorkingDirectory = workDir ?? RepoPaths.Root, Environment = env ?? new Dictionary<string, string?>() },
                TimeSpan.FromSeconds(timeoutSeconds))
            .GetAwaiter().GetResult();

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

    public static ProcessResult Config(string envFile, params string[] extra) =>
        Proc.Run(Tool.Value.File, [.. Tool.Value.Prefix, "--env-file", envFile, "-f", ComposeFile, "config", .. extra],
            workDir: Path.GetDirectoryName(ComposeFile), timeoutSeconds: 90);

    static readonly Lazy<YamlMappingNode> RenderedLazy = new(() =>
    {
        var r = Config(ExampleEnv);
        Assert.True(r.ExitCode == 0, "compose config failed with .env.example:\n" + r);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(r.StandardOutput));
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
