
namespace Atlas.Indexer.Tests.Meilisearch;

/// <summary>One real Meilisearch shared by the client tests; each test works on its own index.</summary>
[CollectionDefinition(Name)]
public sealed class MeilisearchCollection : ICollectionFixture<MeilisearchFixture>
{
    public const string Name = "Meilisearch client";
}
