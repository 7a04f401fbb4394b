using System.Text.Json;

namespace Atlas.Indexer.Tests.Infrastructure;

/// <summary>Holds Meilisearch's task queue with a large write on a scratch index, so that what a test queues after it
/// stays queued while the test acts (the interleavings of the removal lane and the flusher are forced this way, never
/// timed).</summary>
public sealed class QueueBlocker
{
    private QueueBlocker(TestIndexer indexer, string index, long task)
    {
        Indexer = indexer;
        Index = index;
        Task = task;
    }

    private TestIndexer Indexer { get; }

    public string Index { get; }

    public long Task { get; }

    /// <summary>Queues 20,000 documents of 30 words each on a new scratch index.</summary>
    public static async Task<QueueBlocker> StartAsync(TestIndexer indexer)
    {
        var uid = MeilisearchFixture.NewIndexUid("blocker");
        var words = "relocation visa legal aid exile media deserters prisoners refugees labour rights feminist groups".Split(' ');
        var docs = Enumerable.Range(0, 20_000).Select(i => JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["id"] = i,
            ["text"] = string.Join(' ', Enumerable.Range(0, 30).Select(k => words[(i * 7 + k * 13) % words.Length] + (i % 97))),
        })).ToList();
        var task = await indexer.Search.Client.AddOrReplaceDocumentsAsync(uid, docs, "id");
        return new QueueBlocker(indexer, uid, task.TaskUid);
    }

    /// <summary>Waits for the blocking write and deletes the scratch index.</summary>
    public async Task DropAsync()
    {
        await Indexer.Search.Client.WaitForTaskAsync(Task, TimeSpan.FromMinutes(5));
        await Indexer.Search.Client.WaitForTaskAsync(await Indexer.Search.Client.DeleteIndexAsync(Index), TimeSpan.FromMinutes(5));
    }
}
