using Atlas.Indexer.Health;
using Atlas.Indexer.Push;
using Atlas.Indexer.Search;
using Atlas.Hosting;

namespace Atlas.Indexer.Hosting;

/// <summary>The <c>run</c> command's web host: push endpoints, health, sync and flush workers.</summary>
public static class IndexerApp
{
    public const string DefaultUrl = "http://127.0.0.1:5180";

    public static WebApplication Create(string[] args, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 256 * 1024);
        builder.AddServiceDefaults("atlas-indexer");
        builder.Services.AddIndexer(builder.Configuration).AddIndexerWorkers().AddPushRateLimiting();
        builder.Services.AddHealthChecks().AddCheck<IndexerReadiness>("indexer", tags: [ServiceDefaults.ReadyTag]);
        builder.Services.AddOpenApiDefaults("Atlas indexer",
            "An Atlas indexer's push surface: nodes announce new heads and anyone relays signed tombstones (docs/protocol.md). Search itself is Meilisearch's API; the proxy asks the indexer for the token each search carries.",
            new Dictionary<string, string>
            {
                ["Push"] = "Signed objects pushed to the indexer; nothing unsigned is trusted.",
                ["Search"] = "For the proxy in front of Meilisearch: the tenant token each search carries (internal, not routed publicly).",
            });
        configure?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseHttpDefaults();
        app.UseRateLimiter();
        app.UseRequestBodyLimits(maxBodyBytes: null);
        app.MapPush();
        app.MapSearchAuth();
        app.MapDefaultEndpoints();
        app.MapOpenApi();
        return app;
    }
}
