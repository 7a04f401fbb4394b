using Atlas.Hosting;
using Atlas.Indexer.Meilisearch;
using Atlas.Indexer.Peers;
using Atlas.Indexer.Push;
using Atlas.Indexer.Search;
using Atlas.Indexer.State;
using Atlas.Indexer.Sync;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Hosting;

public static class IndexerServices
{
    private const string MeilisearchHttpClientName = "meilisearch";

    /// <summary>Everything every command needs (state, peers, sync, search), without the background workers.</summary>
    public static IServiceCollection AddIndexer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IndexerOptions>().Bind(configuration.GetSection(IndexerOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IndexerOptions>, IndexerOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging(b => b.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning));
        services.AddSingleton<Database>();
        services.AddSingleton<StateStore>();
        services.AddSingleton<KeysetCache>();
        services.AddSingleton<NodeLocks>();
        services.AddSingleton<SyncSignal>();
        services.AddSingleton<FlushSignal>();
        services.AddSingleton<DocumentBuilder>();
        services.AddSingleton<PassFetcher>();
        services.AddSingleton<PassCommitter>();
        services.AddSingleton<PeerSynchronizer>();
        services.AddSingleton<Maintenance>();
        services.AddSingleton<SyncRunner>();
        services.AddSingleton<SearchQueue>();
        services.AddSingleton<SearchFlusher>();
        services.AddSingleton<RemovalLane>();
        services.AddSingleton(sp => new SearchExclusions(sp.GetRequiredService<IOptions<IndexerOptions>>().Value.MaxExcludedListings));
        services.AddSingleton(sp => new RecentOverlay(sp.GetRequiredService<IOptions<IndexerOptions>>().Value.RecentIndexCapacity));
        services.AddSingleton<SearchTokenIssuer>();
        services.AddSingleton<Reindexer>();
        services.AddSingleton<PushHandler>();
        services.AddSingleton<SiblingForwarder>();
        services.AddHttpClient(SiblingForwarder.ClientName, c => c.Timeout = TimeSpan.FromSeconds(5))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddHttpClient<PeerHttp>(PeerHttp.ClientName).ConfigurePrimaryHttpMessageHandler(PeerHttp.CreateHandler);
        services.AddHttpClient(MeilisearchHttpClientName, (sp, http) =>
        {
            http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<IndexerOptions>>().Value.MeilisearchUrl.TrimEnd('/') + "/");
            http.Timeout = TimeSpan.FromMinutes(5);
        });
        services.AddTransient(sp => new MeilisearchClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(MeilisearchHttpClientName),
            sp.GetRequiredService<IOptions<IndexerOptions>>().Value.ResolveMeilisearchKey(),
            sp.GetRequiredService<ILogger<MeilisearchClient>>()));
        services.AddTransient<SearchIndexWriter>();
        return services;
    }

    /// <summary>The long-running part of <c>run</c>: migrate, then sync and flush loops.</summary>
    public static IServiceCollection AddIndexerWorkers(this IServiceCollection services)
    {
        services.AddMigrateOnStart(sp => sp.GetRequiredService<Database>().Sqlite);
        services.AddHostedService<SyncWorker>();
        services.AddHostedService<RemovalWorker>();
        services.AddHostedService<FlushWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<SiblingForwarder>());
        return services;
    }
}
