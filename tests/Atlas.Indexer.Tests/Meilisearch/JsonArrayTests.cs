using System.Text.Json;
using Atlas.Indexer.Meilisearch;

namespace Atlas.Indexer.Tests.Meilisearch;

/// <summary>The documents body: exactly the JSON array of the documents, in an array of exactly its size (the counting
/// pass and the writing pass agree).</summary>
public sealed class JsonArrayTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3_000)] // well past the 64 KB flush threshold
    public void Writes_the_json_array_into_an_array_of_its_exact_size(int count)
    {
        var docs = Enumerable.Range(0, count).Select(i => TestOrgs.All[i % TestOrgs.All.Count] with { DocId = $"d_{i}" }).ToList();

        var bytes = JsonArray.Serialize(docs, TestDocumentsJsonContext.Default.TestOrgDocument);

        var expected = JsonSerializer.SerializeToUtf8Bytes(docs, TestDocumentsJsonContext.Default.ListTestOrgDocument);
        Assert.Equal(expected, bytes);
    }
}
