using System.Text.RegularExpressions;

namespace Atlas.Deploy.Tests;

public class SystemdTests
{
    static readonly string[] UnitFiles = ["atlas-node.service", "atlas-indexer.service", "meilisearch.service", "atlas-caddy.service"];

    public static TheoryData<string> Units => new(UnitFiles);

    static Dictionary<string, List<string>> Directives(string unit)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(Repo.PathOf("deploy", "systemd", unit)))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith(';') || line.StartsWith('['))
            {
                continue;
            }
            var eq = line.IndexOf('=');
            Assert.True(eq > 0, $"{unit}: not a directive: {line}");
            var key = line[..eq];
            if (!result.TryGetValue(key, out var list))
            {
                result[key] = list = [];
            }
            list.Add(line[(eq + 1)..]);
        }
        return result;
    }

    static string One(Dictionary<string, List<string>> d, string key) =>
        d.TryGetValue(key, out var v) ? v[^1] : throw new Xunit.Sdk.XunitException("missing " + key);

    [Theory]
    [MemberData(nameof(Units))]
    public void Unit_is_hardened(string unit)
    {
        var d = Directives(unit);
        Assert.Equal("yes", One(d, "NoNewPrivileges"));
        Assert.Equal("strict", One(d, "ProtectSystem"));
        Assert.Equal("yes", One(d, "ProtectHome"));
        Assert.Equal("yes", One(d, "PrivateTmp"));
        Assert.Equal("yes", One(d, "PrivateDevices"));
        Assert.Equal("yes", One(d, "RestrictSUIDSGID"));
        Assert.Contains("@system-service", d["SystemCallFilter"]);
        Assert.Matches("^AF_UNIX AF_INET AF_INET6( AF_NETLINK)?$", One(d, "RestrictAddressFamilies"));
        Assert.Matches(@"^\d+[KMG]$", One(d, "MemoryMax"));
        Assert.True(d.ContainsKey("StateDirectory"), "StateDirectory");
        Assert.Equal("0700", One(d, "StateDirectoryMode"));
        Assert.True(d.ContainsKey("DynamicUser") || (d.TryGetValue("User", out var u) && u[^1] is not ("root" or "0")),
            "runs as root");
        Assert.True(d.ContainsKey("EnvironmentFile"), "EnvironmentFile");
        Assert.Equal("on-failure", One(d, "Restart"));
    }

    [Theory]
    [InlineData("atlas-node.service")]
    [InlineData("atlas-indexer.service")]
    [InlineData("meilisearch.service")]
    public void Services_have_no_capabilities_at_all(string unit)
    {
        var d = Directives(unit);
        Assert.Equal("", One(d, "CapabilityBoundingSet"));
        Assert.Equal("", One(d, "AmbientCapabilities"));
    }

    [Fact]
    public void Caddy_gets_only_net_bind_service()
    {
        var d = Directives("atlas-caddy.service");
        Assert.Equal("CAP_NET_BIND_SERVICE", One(d, "CapabilityBoundingSet"));
        Assert.Equal("CAP_NET_BIND_SERVICE", One(d, "AmbientCapabilities"));
    }

    [Theory]
    [MemberData(nameof(Units))]
    public void No_secret_values_in_units(string unit)
    {
        var d = Directives(unit);
        foreach (var env in d.GetValueOrDefault("Environment") ?? [])
        {
            Assert.DoesNotMatch(new Regex("(MASTER_KEY|SECRET|TOKEN|PASSWORD|SEARCH_KEY)=", RegexOptions.IgnoreCase), env);
        }
    }

    [Fact]
    public void Backends_listen_on_loopback_only()
    {
        Assert.Contains("Environment=ASPNETCORE_URLS=http://127.0.0.1:8080", File.ReadAllLines(Repo.PathOf("deploy", "systemd", "atlas-node.service")));
        Assert.Contains("Environment=ASPNETCORE_URLS=http://127.0.0.1:8090", File.ReadAllLines(Repo.PathOf("deploy", "systemd", "atlas-indexer.service")));
        Assert.Contains("Environment=MEILI_HTTP_ADDR=127.0.0.1:7700", File.ReadAllLines(Repo.PathOf("deploy", "systemd", "meilisearch.service")));
        var indexer = Directives("atlas-indexer.service");
        Assert.Contains("Indexer__MeilisearchKeyFile=%d/meili_key", indexer["Environment"]);
        Assert.StartsWith("meili_key:", One(indexer, "LoadCredential"));
    }

    [Fact]
    public void Units_pass_systemd_analyze_verify()
    {
        var tool = Proc.Require("systemd-analyze", "on Debian `apt-get install -y systemd`.");
        var dir = Repo.PathOf("deploy", "systemd");
        var files = UnitFiles.Select(u => Path.Combine(dir, u)).ToArray();
        var r = Proc.Run(tool, ["verify", "--man=no", .. files], workDir: dir, timeoutSeconds: 60);
        // The only tolerated complaint: binaries that are not installed on this machine
        // (e.g. /usr/local/bin/meilisearch, /usr/bin/caddy on a CI box).
        var problems = (r.StandardOutput + "\n" + r.StandardError)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !Regex.IsMatch(l, @"Command \S+ is not executable: No such file or directory$"))
            .ToArray();
        Assert.True(problems.Length == 0, "systemd-analyze verify:\n" + string.Join("\n", problems));
    }
}
