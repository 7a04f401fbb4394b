using System.Text.Json;
using Atlas.TestKit.Processes;

namespace Atlas.TestKit;

/// <summary>One problem redocly reports.</summary>
public sealed record OpenApiProblem(string Rule, string Severity, string Message, string Where)
{
    public override string ToString() => $"{Severity} {Rule} at {Where}: {Message}";
}

/// <summary>
/// Fetches a running service's <c>/openapi/v1.json</c> and lints it with the redocly CLI pinned in
/// tests/openapi-lint (package-lock.json; <c>npm ci</c> there, which tests/run.sh does) under
/// tests/openapi-lint/redocly.yaml. Redocly's telemetry and update check are off: nothing leaves 127.0.0.1.
/// </summary>
public static class OpenApiLint
{
    public static string Directory => Path.Combine(RepoPaths.Root, "tests", "openapi-lint");

    public static async Task<IReadOnlyList<OpenApiProblem>> LintAsync(string baseUrl, string workDirectory)
    {
        var cli = Path.Combine(Directory, "node_modules", "@redocly", "cli", "bin", "cli.js");
        if (!File.Exists(cli))
        {
            throw new InvalidOperationException($"redocly is not installed: run `npm ci` in {Directory} (tests/run.sh does).");
        }

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        var document = await http.GetStringAsync(baseUrl.TrimEnd('/') + "/openapi/v1.json");
        var file = Path.Combine(workDirectory, "openapi.json");
        await File.WriteAllTextAsync(file, document);

        var spec = new ProcessSpec("node", [cli, "lint", file, "--format", "json", "--config", Path.Combine(Directory, "redocly.yaml")])
        {
            Name = "redocly",
            WorkingDirectory = Directory,
            Environment = new Dictionary<string, string?>
            {
                ["REDOCLY_TELEMETRY"] = "off",
                ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true",
                ["NO_COLOR"] = "1",
            },
            OutputCapacity = 100_000,
        };
        var result = await ProcessHost.RunToExitAsync(spec, TimeSpan.FromMinutes(2));
        var json = result.StandardOutput;
        var start = json.IndexOf('{', StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException($"redocly printed no report: {result}");
        }

        using var report = JsonDocument.Parse(json[start..]);
        return report.RootElement.GetProperty("problems").EnumerateArray().Select(p => new OpenApiProblem(
                p.GetProperty("ruleId").GetString() ?? "",
                p.GetProperty("severity").GetString() ?? "",
                p.GetProperty("message").GetString() ?? "",
                string.Join(", ", p.GetProperty("location").EnumerateArray().Select(l => l.TryGetProperty("pointer", out var ptr) ? ptr.GetString() : ""))))
            .ToList();
    }
}
