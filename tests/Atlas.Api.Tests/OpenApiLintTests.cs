using System.Text.Json;

namespace Atlas.Api.Tests;

/// <summary>The node's OpenAPI document is useful to a client author: redocly's recommended rules find nothing
/// (every operation has a summary, an operation id and its 4xx answers; the admin routes declare the bearer scheme).</summary>
public sealed class OpenApiLintTests
{
    [Fact]
    public async Task The_node_document_passes_redocly_recommended_rules()
    {
        await using var node = await NodeProcess.StartNewAsync();
        using var dir = new TempDirectory("atlas-openapi-node");

        var problems = await OpenApiLint.LintAsync(node.BaseUrl, dir.Path);

        Assert.True(problems.Count == 0, "redocly: " + string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public async Task Admin_operations_require_the_bearer_scheme_and_public_ones_do_not()
    {
        await using var node = await NodeProcess.StartNewAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var doc = JsonDocument.Parse(await http.GetStringAsync(node.BaseUrl + "/openapi/v1.json"));
        var root = doc.RootElement;

        Assert.Equal("bearer", root.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject())
            {
                var secured = op.Value.TryGetProperty("security", out var security)
                    && security.EnumerateArray().Any(r => r.TryGetProperty("bearer", out _));
                Assert.True(secured == path.Name.StartsWith("/api/admin/", StringComparison.Ordinal), $"{op.Name} {path.Name}: bearer {secured}");
                if (secured)
                {
                    Assert.True(op.Value.GetProperty("responses").TryGetProperty("401", out _), $"{op.Name} {path.Name} lists no 401");
                }
            }
        }
    }
}
