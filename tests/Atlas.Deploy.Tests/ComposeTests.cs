using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Atlas.Deploy.Tests;

public class ComposeTests
{
    static readonly string[] Services = ["meilisearch", "node", "indexer", "web"];

    static YamlMappingNode Service(string name) => Compose.Rendered.Map("services").Map(name);

    [Fact]
    public void Config_with_example_env_renders_and_has_the_four_services()
    {
        var r = Compose.Config(Compose.ExampleEnv);
        Assert.True(r.ExitCode == 0, r.ToString());
        // Services of a profile (`scale`) start only with --profile; compose v1 renders them in `config` anyway.
        var names = Compose.Rendered.Map("services").Entries().Where(e => e.Value.Get("profiles") is null).Select(e => e.Key).Order().ToArray();
        Assert.Equal(Services.Order().ToArray(), names);
    }

    /// <summary>Scaling out: profile `scale` adds a second search pair built from the same definitions, with its own
    /// volumes, its Meilisearch only on the internal network, and each indexer forwarding pushes to the other.</summary>
    [Fact]
    public void Profile_scale_adds_a_second_search_pair()
    {
        var r = Compose.Config(Compose.ExampleEnv, "--profile", "scale");
        Assert.True(r.ExitCode == 0, r.ToString());
        var scaled = Compose.Rendered.Map("services").Entries().Where(e => e.Value.Get("profiles") is not null).ToDictionary(e => e.Key, e => e.Value);
        Assert.Equal(["indexer-b", "meilisearch-b"], scaled.Keys.Order().ToArray());
        Assert.All(scaled.Values, s => Assert.Equal(["scale"], s.Get("profiles")!.Scalars().ToArray()));

        var meili = scaled["meilisearch-b"];
        Assert.Equal(Service("meilisearch").Str("image"), meili.Str("image"));
        var networks = meili.Get("networks").Scalars().ToArray();
        Assert.Contains("search", networks);
        Assert.DoesNotContain("edge", networks);
        Assert.Contains(meili.Get("volumes").Scalars(), v => v.Contains("meili_data_b", StringComparison.Ordinal));

        var indexer = scaled["indexer-b"].Env();
        Assert.Equal("http://meilisearch-b:7700", indexer["Indexer__MeilisearchUrl"]);
        Assert.Equal("http://indexer:8080", indexer["Indexer__Siblings__0"]);
        Assert.Equal(Service("indexer").Env()["Indexer__PollInterval"], indexer["Indexer__PollInterval"]);
        Assert.Contains(scaled["indexer-b"].Get("volumes").Scalars(), v => v.Contains("indexer_data_b", StringComparison.Ordinal));
        Assert.Contains(scaled["indexer-b"].Get("healthcheck")!.Get("test").Scalars(), t => t.Contains("/health/ready"));

        var web = Service("web").Env();
        Assert.Equal("meilisearch-b:7700", web["ATLAS_MEILI_UPSTREAM_B"]);
        Assert.Equal("indexer-b:8080", web["ATLAS_INDEXER_UPSTREAM_B"]);
        Assert.Equal("1", web["ATLAS_SEARCH_PAIRS"]);   // .env.example: one pair unless the operator sets 2
    }

    [Fact]
    public void Config_fails_when_required_settings_are_missing()
    {
        // The `${VAR:?}` guards must stop a deployment with no node identity or domains.
        var empty = Path.Combine(Path.GetTempPath(), $"atlas-empty-{Guid.NewGuid():N}.env");
        File.WriteAllText(empty, "# nothing\n");
        try
        {
            var r = Compose.Config(empty);
            Assert.True(r.ExitCode != 0, "compose config should refuse to render without ATLAS_NODE_ID etc.\n" + r);
            Assert.Contains("ATLAS_", r.StandardError + r.StandardOutput);
        }
        finally
        {
            File.Delete(empty);
        }
    }

    [Fact]
    public void Meilisearch_image_is_the_official_one_pinned_to_v1_21()
    {
        Assert.Equal("getmeili/meilisearch:v1.21", Service("meilisearch").Str("image"));
        var env = Service("meilisearch").Env();
        Assert.Equal("production", env["MEILI_ENV"]);
        Assert.Equal("true", env["MEILI_NO_ANALYTICS"]);
    }

    [Fact]
    public void Every_service_has_a_healthcheck_and_a_restart_policy()
    {
        foreach (var name in Services)
        {
            var s = Service(name);
            var test = s.Get("healthcheck")?.Get("test").Scalars().ToArray() ?? [];
            Assert.True(test.Length > 0, $"{name}: no healthcheck test");
            Assert.DoesNotContain("NONE", test);
            Assert.Contains(s.Str("restart"), new[] { "unless-stopped", "always", "on-failure" });
        }
        Assert.Contains(Service("node").Get("healthcheck")!.Get("test").Scalars(), t => t.Contains("/health/ready"));
        Assert.Contains(Service("indexer").Get("healthcheck")!.Get("test").Scalars(), t => t.Contains("/health/ready"));
        Assert.Contains(Service("meilisearch").Get("healthcheck")!.Get("test").Scalars(), t => t.Contains("/health"));
    }

    static readonly Regex SecretName = new("(KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL)", RegexOptions.IgnoreCase);

    [Fact]
    public void No_secret_values_are_inline()
    {
        foreach (var name in Services)
        {
            foreach (var (key, value) in Service(name).Env())
            {
                if (!SecretName.IsMatch(key))
                {
                    continue;
                }
                // Allowed: a path to a mounted secret file, or empty; the search-only key is public
                // by design and comes from .env (empty in the example).
                var ok = value.Length == 0 || value.StartsWith("/run/secrets/", StringComparison.Ordinal);
                Assert.True(ok, $"{name}: {key} has an inline value");
            }
            Assert.False(Service(name).Env().ContainsKey("MEILI_MASTER_KEY"), $"{name}: MEILI_MASTER_KEY set inline");
        }
        // Every top-level secret comes from a file outside the repo's tracked files.
        var secrets = Compose.Rendered.Map("secrets").Entries().ToList();
        Assert.NotEmpty(secrets);
        foreach (var (key, value) in secrets)
        {
            Assert.True(value.Str("file") is { Length: > 0 }, $"secret {key} is not file-based");
        }
        Assert.Contains("meili_master_key", Service("meilisearch").Get("secrets").Scalars());
        Assert.Contains(Service("meilisearch").Get("command").Scalars(), c => c.Contains("/run/secrets/meili_master_key"));
        Assert.Contains("meili_master_key", Service("indexer").Get("secrets").Scalars());
        Assert.DoesNotContain("meili_master_key", Service("node").Get("secrets").Scalars());
        Assert.DoesNotContain("meili_master_key", Service("web").Get("secrets").Scalars());
    }

    [Fact]
    public void Example_env_and_gitignore_keep_secrets_out_of_the_repo()
    {
        foreach (var line in File.ReadAllLines(Compose.ExampleEnv))
        {
            var t = line.Trim();
            if (t.Length == 0 || t.StartsWith('#'))
            {
                continue;
            }
            var eq = t.IndexOf('=');
            Assert.True(eq > 0, "bad .env.example line: " + t);
            var name = t[..eq];
            var isPathSetting = name.EndsWith("_DIR", StringComparison.Ordinal) || name.EndsWith("_FILE", StringComparison.Ordinal);
            if (SecretName.IsMatch(name) && !isPathSetting)
            {
                Assert.True(t[(eq + 1)..].Length == 0, ".env.example carries a value for " + t[..eq]);
            }
        }
        var ignore = File.ReadAllLines(Repo.PathOf("deploy", "compose", ".gitignore"));
        Assert.Contains(".env", ignore);
        Assert.Contains("secrets/", ignore);
        var raw = Repo.Read("deploy", "compose", "compose.yaml");
        Assert.DoesNotMatch(new Regex(@"MEILI_MASTER_KEY\s*[:=]\s*[""']?[A-Za-z0-9+/]{8}"), raw);
    }

    [Fact]
    public void Meilisearch_is_internal_only_and_the_node_cannot_reach_it()
    {
        var meili = Service("meilisearch");
        Assert.Null(meili.Get("ports"));
        Assert.Equal(["search"], meili.Get("networks").Names());
        Assert.Equal("true", Compose.Rendered.Map("networks").Map("search").Str("internal"));
        Assert.DoesNotContain("search", Service("node").Get("networks").Names());
        Assert.Contains("search", Service("indexer").Get("networks").Names());
    }

    [Fact]
    public void Only_the_proxy_publishes_public_ports_and_node_admin_is_loopback_only()
    {
        Assert.Null(Service("indexer").Get("ports"));
        var nodePorts = Service("node").Get("ports").Scalars().ToArray();
        Assert.NotEmpty(nodePorts);
        // Short syntax "127.0.0.1:8081:8080/tcp" or long syntax with host_ip.
        var joined = string.Join(" ", nodePorts);
        Assert.Contains("127.0.0.1", joined);
        Assert.DoesNotContain("0.0.0.0", joined);

        var webPorts = string.Join(" ", Service("web").Get("ports").Scalars());
        Assert.Contains("443", webPorts);
        Assert.Contains("80", webPorts);
    }

    [Fact]
    public void Containers_are_hardened()
    {
        foreach (var name in Services)
        {
            var s = Service(name);
            Assert.True(s.Str("read_only") == "true", $"{name}: read_only");
            Assert.Contains("ALL", s.Get("cap_drop").Scalars());
            Assert.Null(s.Get("cap_add"));
            Assert.Contains(s.Get("security_opt").Scalars(), o => o.StartsWith("no-new-privileges", StringComparison.Ordinal));
            Assert.Null(s.Get("privileged"));
            var hasMemLimit = s.Get("mem_limit") is not null
                || s.Get("deploy")?.Get("resources")?.Get("limits")?.Get("memory") is not null;
            Assert.True(hasMemLimit, $"{name}: no memory limit");
            Assert.True(s.Get("pids_limit") is not null || s.Get("deploy")?.Get("resources")?.Get("limits")?.Get("pids") is not null,
                $"{name}: no pids limit");
        }
    }

    [Fact]
    public void Node_and_indexer_are_wired_as_documented()
    {
        var node = Service("node").Env();
        Assert.Equal("/data", node["Node__DataDir"]);
        Assert.Equal("berlin", node["Node__NodeId"]);
        Assert.Equal("https://node.atlas.example.org", node["Node__BaseUrl"]);
        // Indexer base URL: the node appends /atlas/v1/notify and /atlas/v1/relay.
        Assert.Equal("http://indexer:8080", node["Node__NotifyUrls__0"]);
        // The node believes X-Forwarded-For only from the edge network Caddy reaches it on.
        var edge = Compose.Rendered.Map("networks").Map("edge").Map("ipam").Get("config").Scalars();
        Assert.Contains(node["Node__TrustedProxies__0"], edge);
        Assert.Equal("Warning", node["Logging__LogLevel__Default"]);

        var idx = Service("indexer").Env();
        Assert.Equal("http://meilisearch:7700", idx["Indexer__MeilisearchUrl"]);
        Assert.Equal("/run/secrets/meili_master_key", idx["Indexer__MeilisearchKeyFile"]);
        Assert.Equal("organisations", idx["Indexer__Index"]);
        Assert.StartsWith("/data/", idx["Indexer__Database"]);
        Assert.Equal("", idx["OTEL_EXPORTER_OTLP_ENDPOINT"]);

        var web = Service("web").Env();
        Assert.Equal("meilisearch:7700", web["ATLAS_MEILI_UPSTREAM"]);
        Assert.Equal("node:8080", web["ATLAS_NODE_UPSTREAM"]);
        Assert.Equal("indexer:8080", web["ATLAS_INDEXER_UPSTREAM"]);
    }
}
