
namespace Atlas.Indexer.Tests.Infrastructure;

/// <summary>One real Meilisearch shared by the tests that run the indexer against it (in-process and as a process);
/// each test works on its own index uid.</summary>
[CollectionDefinition(Name)]
public sealed class IndexerMeilisearchCollection : ICollectionFixture<MeilisearchFixture>
{
    public const string Name = "Indexer with Meilisearch";
}
