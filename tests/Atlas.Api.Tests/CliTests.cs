using System.Text.Json;
using Atlas.Api.Tests.Infrastructure;

namespace Atlas.Api.Tests;

public sealed class CliTests
{
    [Theory]
    [InlineData(2, "frobnicate")]
    [InlineData(2, "keys")]
    [InlineData(2, "serve", "--bogus")]
    [InlineData(2, "init", "--data", "{tmp}/x", "--node-id", "Berlin!", "--name", "n", "--base-url", "http://127.0.0.1:1")]
    [InlineData(2, "init", "--data", "{tmp}/x", "--node-id", "berlin", "--name", "n", "--base-url", "ftp://example.org")]
    [InlineData(2, "init", "--data", "{tmp}/x", "--node-id", "berlin")]
    [InlineData(2, "token", "create", "--role", "root", "--name", "x", "--data", "{node}")]
    [InlineData(1, "token", "create", "--role", "admin", "--name", "x", "--data", "{tmp}/missing")]
    [InlineData(2, "export", "--format", "xml", "--data", "{node}")]
    [InlineData(1, "withdraw", "0b7a2b52-9f0c-4f43-9d0a-3f7c1c2c9a11", "--data", "{node}")]
    [InlineData(2, "keys", "explode", "--data", "{node}")]
    [InlineData(1, "keys", "revoke", "no-such-kid", "--data", "{node}")]
    [InlineData(2, "backup", "--data", "{node}")]
    [InlineData(1, "import", "{tmp}/missing.json", "--data", "{node}")]
    [InlineData(2, "export", "--format", "json", "--bogus", "--data", "{node}")]
    public async Task Bad_cli_input_is_one_line_on_stderr_and_the_exit_code_of_the_convention(int exitCode, params string[] args)
    {
        using var tmp = new TempDirectory();
        var nodeDir = await Init(tmp, "n");
        var r = await NodeProcess.RunCliAsync(args.Select(a => a.Replace("{tmp}", tmp.Path).Replace("{node}", nodeDir)).ToArray());
        // docs/operations.md: 2 for a bad command line, 1 for a refused or failed operation.
        Assert.Equal(exitCode, r.ExitCode);
        Assert.Single(r.StandardError.Trim().Split('\n'));
        Assert.StartsWith("error: ", r.StandardError);
        Assert.DoesNotContain("   at ", r.StandardError);
    }

    [Theory]
    [InlineData("Node__HeadLifetimeHours", "1", "holds no atlas.db", true)]
    [InlineData("Node__NotifyUrls__0", "file:///etc/passwd", "Node:NotifyUrls", false)]
    [InlineData("Node__HeadLifetimeHours", "0", "HeadLifetimeHours", false)]
    [InlineData("RateLimiting__Submissions__PermitLimit", "0", "PermitLimit", false)]
    [InlineData("Node__PagesDir", "/nonexistent/dist-node", "Node:PagesDir", false)]
    public async Task Serve_with_bad_configuration_stops_with_one_line_naming_the_setting_and_exit_2(string key, string value, string mentions, bool missingDir)
    {
        using var tmp = new TempDirectory();
        var dir = missingDir ? Path.Combine(tmp.Path, "missing") : await Init(tmp, "n");
        var r = await NodeProcess.RunCliAsync(["serve", "--data", dir, "--urls", $"http://127.0.0.1:{FreePort.Next()}"],
            new Dictionary<string, string?> { [key] = value }, TimeSpan.FromSeconds(30));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(mentions, r.StandardError);
        Assert.Single(r.StandardError.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", r.StandardError + r.StandardOutput);
    }

    [Theory]
    [InlineData("help")]
    [InlineData("--help")]
    [InlineData("help", "keys")]
    public async Task Help_goes_to_stdout_with_exit_zero(params string[] args)
    {
        var r = await NodeProcess.RunCliAsync(args);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Usage:", r.StandardOutput);
        Assert.Empty(r.StandardError);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Init_refuses_to_overwrite_and_writes_private_keys_owner_only()
    {
        using var tmp = new TempDirectory();
        var dir = await Init(tmp, "n");
        var again = await NodeProcess.RunCliAsync("init", "--data", dir, "--node-id", "berlin", "--name", "Again", "--base-url", "http://127.0.0.1:1");
        Assert.Equal(1, again.ExitCode);
        var keys = Directory.GetFiles(Path.Combine(dir, "keys"), "*.pem");
        Assert.Equal(2, keys.Length);
        Assert.All(keys, k => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(k)));
        Assert.All(keys, k => Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(k)));
    }

    [Fact]
    public async Task Import_is_all_or_nothing_and_names_the_bad_row_and_field()
    {
        using var tmp = new TempDirectory();
        var dir = await Init(tmp, "n");
        var file = Path.Combine(tmp.Path, "bad.json");
        await File.WriteAllTextAsync(file, """
            {"organisations": [
              {"name": {"en": "Fine"}, "focus": ["legal-aid"], "languages": ["ru"], "locations": [{"kind": "physical", "city": "Paris", "country": "FR"}]},
              {"name": {"en": "Broken"}, "focus": ["legal-aid"], "languages": ["ru"], "locations": [{"kind": "physical", "city": "Paris", "country": "DE"}]}
            ]}
            """);
        var r = await NodeProcess.RunCliAsync("import", file, "--data", dir);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("row 2 (locations[0].country)", r.StandardError);
        Assert.Contains("Paris is in FR", r.StandardError);
        Assert.Single(r.StandardError.Trim().Split('\n'));
        Assert.Empty(await ExportedIds(dir));

        var csv = Path.Combine(tmp.Path, "bad.csv");
        await File.WriteAllTextAsync(csv, "name_en,focus,languages,city,country\nGood,legal-aid,ru,Berlin,DE\nBad,no-such-focus,ru,Berlin,DE\n");
        var c = await NodeProcess.RunCliAsync("import", csv, "--data", dir);
        Assert.Equal(1, c.ExitCode);
        Assert.Contains("row 2 (focus[0])", c.StandardError);
        Assert.Empty(await ExportedIds(dir));
    }

    [Theory]
    [InlineData("berlin")]
    [InlineData("tbilisi")]
    [InlineData("paris")]
    public async Task Sample_files_import_and_round_trip_through_export(string sample)
    {
        using var tmp = new TempDirectory();
        var dir = await Init(tmp, "a", sample);
        var file = Path.Combine(RepoPaths.Root, "deploy", "local", "sample", sample + ".json");
        var r = await NodeProcess.RunCliAsync("import", file, "--data", dir);
        Assert.True(r.ExitCode == 0, r.StandardError);
        var ids = await ExportedIds(dir);
        Assert.InRange(ids.Count, 6, 12);
        var expected = JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement.GetProperty("organisations").EnumerateArray().Select(o => o.GetProperty("id").GetString()!).Order();
        Assert.Equal(expected, ids.Order());

        // Importing the same file again would reuse ids: refused, nothing changes.
        Assert.Equal(1, (await NodeProcess.RunCliAsync("import", file, "--data", dir)).ExitCode);

        // JSON export (public data) imports into a fresh node with the same ids.
        var export = Path.Combine(tmp.Path, "export.json");
        Assert.Equal(0, (await NodeProcess.RunCliAsync("export", "--format", "json", "--out", export, "--data", dir)).ExitCode);
        var dir2 = await Init(tmp, "b", sample);
        var again = await NodeProcess.RunCliAsync("import", export, "--data", dir2);
        Assert.True(again.ExitCode == 0, again.StandardError);
        Assert.Equal(ids.Order(), (await ExportedIds(dir2)).Order());

        // CSV too (lossy by design: one city, no contacts).
        var csv = Path.Combine(tmp.Path, "export.csv");
        Assert.Equal(0, (await NodeProcess.RunCliAsync("export", "--format", "csv", "--out", csv, "--data", dir)).ExitCode);
        var dir3 = await Init(tmp, "c", sample);
        var fromCsv = await NodeProcess.RunCliAsync("import", csv, "--data", dir3);
        Assert.True(fromCsv.ExitCode == 0, fromCsv.StandardError);
        Assert.Equal(ids.Count, (await ExportedIds(dir3)).Count);
    }

    [Fact]
    public async Task Export_leaves_hidden_contacts_out_unless_asked()
    {
        using var tmp = new TempDirectory();
        var dir = await Init(tmp, "n");
        Assert.Equal(0, (await NodeProcess.RunCliAsync("import", Path.Combine(RepoPaths.Root, "deploy", "local", "sample", "paris.json"), "--data", dir)).ExitCode);
        var pub = await NodeProcess.RunCliAsync("export", "--format", "json", "--data", dir);
        Assert.Contains("clinic@example.org", pub.StandardOutput);
        Assert.DoesNotContain("lawyer-rota@example.org", pub.StandardOutput);
        var all = await NodeProcess.RunCliAsync("export", "--format", "json", "--include-private", "--data", dir);
        Assert.Contains("lawyer-rota@example.org", all.StandardOutput);
    }

    private static async Task<string> Init(TempDirectory tmp, string name, string nodeId = "berlin")
    {
        var dir = Path.Combine(tmp.Path, name);
        var r = await NodeProcess.RunCliAsync("init", "--data", dir, "--node-id", nodeId, "--name", "CLI test", "--base-url", "http://127.0.0.1:1");
        Assert.True(r.ExitCode == 0, r.StandardError);
        return dir;
    }

    private static async Task<List<string>> ExportedIds(string dir)
    {
        var r = await NodeProcess.RunCliAsync("export", "--format", "json", "--data", dir);
        Assert.True(r.ExitCode == 0, r.StandardError);
        return JsonDocument.Parse(r.StandardOutput).RootElement.GetProperty("organisations").EnumerateArray().Select(o => o.GetProperty("id").GetString()!).ToList();
    }
}
