namespace Atlas.Indexer.Tests.Processes;

/// <summary>The indexer's OpenAPI document passes redocly's recommended rules like the node's.</summary>
public sealed class OpenApiLintTests
{
    [Fact]
    public async Task The_indexer_document_passes_redocly_recommended_rules()
    {
        using var dir = new TempDirectory("atlas-openapi-indexer");
        // No Meilisearch is needed to serve the document: a port nothing listens on.
        var settings = IndexerProcess.CreateSettings(dir.Combine("state.db"), new Uri($"http://127.0.0.1:{FreePort.Next()}"), "unused-key", "organisations");
        await using var indexer = await IndexerProcess.StartAsync(settings, IndexerWait.Live);

        var problems = await OpenApiLint.LintAsync(indexer.Url, dir.Path);

        Assert.True(problems.Count == 0, "redocly: " + string.Join(Environment.NewLine, problems));
    }
}
