using System.Collections.Concurrent;
using Atlas.Indexer.Hosting;
using Atlas.Indexer.Search;
using Atlas.Indexer.State;
using Atlas.Indexer.Sync;
using Atlas.Indexer.Tests.Peers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Atlas.Indexer.Tests.Infrastructure;

/// <summary>A clock tests can move forward; starts at the real time so signed objects look normal.</summary>
public sealed class ManualTime : TimeProvider
{
    private TimeSpan _offset;
    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow + _offset;
    public void Advance(TimeSpan by) => _offset += by;
}

public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("atlas-idx-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process we started may still hold a file for a moment; temp space is reclaimed by the OS.
        }
    }
}

/// <summary>A search index in memory with the semantics the flusher relies on (upsert by doc_id, delete by listing).</summary>
public sealed class InMemorySearch : ISearchIndexWriter
{
    private readonly object _gate = new();
    public Dictionary<string, Dictionary<string, SearchDocument>> Indexes { get; } = [];
    public int UpsertTasks;
    public int DeleteTasks;

    private Dictionary<string, SearchDocument> Index(string uid)
    {
        if (!Indexes.TryGetValue(uid, out var index))
        {
            Indexes[uid] = index = new Dictionary<string, SearchDocument>(StringComparer.Ordinal);
        }
        return index;
    }

    public IReadOnlyList<SearchDocument> Docs(string uid = "organisations")
    {
        lock (_gate)
        {
            return Index(uid).Values.OrderBy(d => d.DocId, StringComparer.Ordinal).ToList();
        }
    }

    public IReadOnlyList<SearchDocument> DocsOf(string listingId) => Docs().Where(d => d.ListingId == listingId).ToList();

    public Task<bool> IsHealthyAsync(CancellationToken ct) => Task.FromResult(true);

    public Task EnsureIndexAsync(string uid, CancellationToken ct)
    {
        lock (_gate)
        {
            Index(uid);
        }
        return Task.CompletedTask;
    }

    public Task<bool> IndexExistsAsync(string uid, CancellationToken ct)
    {
        lock (_gate)
        {
            return Task.FromResult(Indexes.ContainsKey(uid));
        }
    }

    public Task UpsertDocumentsAsync(string uid, IReadOnlyList<SearchDocument> documents, CancellationToken ct)
    {
        lock (_gate)
        {
            UpsertTasks++;
            foreach (var d in documents)
            {
                Index(uid)[d.DocId] = d;
            }
        }
        return Task.CompletedTask;
    }

    public Task DeleteListingsAsync(string uid, IReadOnlyCollection<string> listingIds, CancellationToken ct)
    {
        lock (_gate)
        {
            DeleteTasks++;
            var index = Index(uid);
            foreach (var d in index.Values.Where(d => listingIds.Contains(d.ListingId)).ToList())
            {
                index.Remove(d.DocId);
            }
        }
        return Task.CompletedTask;
    }

    public Task SwapAsync(string uid, string otherUid, CancellationToken ct)
    {
        lock (_gate)
        {
            (Indexes[uid], Indexes[otherUid]) = (Index(otherUid), Index(uid));
        }
        return Task.CompletedTask;
    }

    public Task DeleteIndexAsync(string uid, CancellationToken ct)
    {
        lock (_gate)
        {
            Indexes.Remove(uid);
        }
        return Task.CompletedTask;
    }

    public Task<string> CreateSearchKeyAsync(string uid, CancellationToken ct) => Task.FromResult("in-memory-search-key");
}

/// <summary>The indexer's services in-process over a temp database (same wiring as the executable), for
/// fast attack tests. Process-level behaviour is covered in Processes/.</summary>
public sealed class TestIndexer : IAsyncDisposable
{
    private readonly TempDir _dir = new();

    public TestIndexer(Dictionary<string, string?>? settings = null, ISearchIndexWriter? writer = null, ManualTime? time = null, bool realSearch = false)
    {
        Time = time ?? new ManualTime();
        Search = writer as InMemorySearch ?? new InMemorySearch();
        Settings = new Dictionary<string, string?>
        {
            ["Indexer:Database"] = System.IO.Path.Combine(_dir.Path, "state.db"),
            ["Indexer:RequestTimeout"] = "00:00:03",
            ["Indexer:PeerTimeout"] = "00:00:20",
        };
        foreach (var (k, v) in settings ?? [])
        {
            Settings[k] = v;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<TimeProvider>(Time);
        services.AddIndexer(configuration);
        if (!realSearch)
        {
            services.AddSingleton(writer ?? Search);
        }
        Services = services.BuildServiceProvider();
        Services.GetRequiredService<Database>().Migrate();
    }

    public Dictionary<string, string?> Settings { get; }
    public ManualTime Time { get; }
    public InMemorySearch Search { get; }
    public ServiceProvider Services { get; }
    public string DatabasePath => Settings["Indexer:Database"]!;
    public StateStore Store => Services.GetRequiredService<StateStore>();

    public long AddPeer(FakePeer peer, string? rootKid = null) => Store.AddPeer(peer.BaseUrl, rootKid ?? peer.Root.Kid, null);

    /// <summary>One sync pass over all peers, then a full flush (what <c>sync --once</c> does).</summary>
    public async Task<IReadOnlyList<SyncResult>> SyncAsync()
    {
        var results = await Services.GetRequiredService<SyncRunner>().SyncAllOnceAsync(CancellationToken.None);
        await FlushAsync();
        return results;
    }

    public async Task<SyncResult> SyncOneAsync(FakePeer peer)
    {
        var results = await SyncAsync();
        var peerId = Store.ListPeers().Single(p => p.Url == peer.BaseUrl).Id;
        return results.Single(r => r.PeerId == peerId);
    }

    public Task FlushAsync() => Services.GetRequiredService<SearchFlusher>().FlushAllAsync(CancellationToken.None);

    public IReadOnlyList<AlertRow> Alerts(string? kind = null) => Store.Alerts().Where(a => kind is null || a.Kind == kind).ToList();

    public IReadOnlyList<(string Reason, string? ListingId, string Raw)> Evidence(FakePeer peer) => Store.EvidenceOf(peer.NodeId);

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
