using System.Text.Json;
using Atlas.Indexer.Meilisearch;

namespace Atlas.Indexer.Tests.Meilisearch;

/// <summary>The streamed documents body: the bytes are exactly the JSON array of the documents, and the announced
/// Content-Length is exactly their number (a wrong one would cut the upload or hang it).</summary>
public sealed class JsonArrayContentTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3_000)] // well past the 64 KB flush threshold
    public async Task Writes_the_json_array_and_announces_its_exact_length(int count)
    {
        var docs = Enumerable.Range(0, count).Select(i => TestOrgs.All[i % TestOrgs.All.Count] with { DocId = $"d_{i}" }).ToList();
        using var content = new JsonArrayContent<TestOrgDocument>(docs, TestDocumentsJsonContext.Default.TestOrgDocument);

        var bytes = await content.ReadAsByteArrayAsync();

        Assert.Equal(bytes.Length, content.Headers.ContentLength);
        Assert.Equal("application/json", content.Headers.ContentType!.MediaType);
        var expected = JsonSerializer.SerializeToUtf8Bytes(docs, TestDocumentsJsonContext.Default.ListTestOrgDocument);
        Assert.Equal(expected, bytes);
    }
}
