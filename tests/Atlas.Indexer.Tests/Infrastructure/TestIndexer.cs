using Atlas.Indexer.Hosting;
using Atlas.Indexer.Search;
using Atlas.Indexer.State;
using Atlas.Indexer.Sync;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Atlas.Indexer.Tests.Infrastructure;

/// <summary>The indexer's services in-process over a temp database (same wiring as the executable) and a fresh
/// index of a real Meilisearch, for fast attack tests. Process-level behaviour is covered in Processes/.</summary>
public sealed class TestIndexer : IAsyncDisposable
{
    private readonly TempDirectory _dir = new("atlas-idx");

    /// <param name="index">Another indexer's index (a restart on its database), or null for a fresh one.</param>
    public TestIndexer(MeilisearchFixture meili, Dictionary<string, string?>? settings = null, ManualTime? time = null, string? index = null)
    {
        Time = time ?? new ManualTime();
        Index = index ?? MeilisearchFixture.NewIndexUid("idx");
        Search = new SearchProbe(meili, Index);
        Settings = new Dictionary<string, string?>(IndexerProcess.CreateSettings(_dir.Combine("state.db"), meili.Url, meili.MasterKey, Index))
        {
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
        Services = services.BuildServiceProvider();
        Services.GetRequiredService<Database>().Migrate();
    }

    public Dictionary<string, string?> Settings { get; }
    public ManualTime Time { get; }
    /// <summary>This indexer's own index uid.</summary>
    public string Index { get; }
    /// <summary>Reads back what reached the real search index.</summary>
    public SearchProbe Search { get; }
    public ServiceProvider Services { get; }
    public string DatabasePath => Settings["Indexer:Database"]!;
    public StateStore Store => Services.GetRequiredService<StateStore>();

    public long AddPeer(FakePeer peer, string? rootKid = null) => Store.Write(s => s.Peers.Add(peer.BaseUrl, rootKid ?? peer.Root.Kid, null));

    /// <summary>Pins the peer, then one pass and flush that must succeed (the honest starting point of most attacks).</summary>
    public async Task<SyncResult> AddPeerAndSyncAsync(FakePeer peer)
    {
        AddPeer(peer);
        var result = await SyncOneAsync(peer);
        Assert.True(result.Ok, result.Error);
        return result;
    }

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
        var peerId = Store.Read(s => s.Peers.List()).Single(p => p.Url == peer.BaseUrl).Id;
        return results.Single(r => r.PeerId == peerId);
    }

    public Task FlushAsync() => Services.GetRequiredService<SearchFlusher>().FlushAllAsync(CancellationToken.None);

    public IReadOnlyList<AlertRow> Alerts(string? kind = null) => Store.Read(s => s.Alerts.List()).Where(a => kind is null || a.Kind == kind).ToList();

    public IReadOnlyList<(string Reason, string? ListingId, string Raw)> Evidence(FakePeer peer) => Store.Read(s => s.Alerts.EvidenceOf(peer.NodeId));

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        Search.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
