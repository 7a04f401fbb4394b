using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Search;

/// <summary>Issues the <c>Authorization</c> header the proxy puts on every search (deploy/caddy: forward_auth to
/// <c>GET /internal/search-auth</c>): a tenant token of the search-only key carrying the current
/// <see cref="SearchExclusions"/> and the listings shown from the recent index (<see cref="RecentOverlay"/>). The
/// header is built once per change of either set (and renewed half-way through its
/// hour of validity), so a search costs the proxy one loopback request answered from memory. No token before the
/// removal lane has looked at the outbox since start: a search must not run without the exclusions.</summary>
public sealed partial class SearchTokenIssuer(
    SearchExclusions exclusions,
    RecentOverlay overlay,
    SearchIndexWriter writer,
    IOptions<IndexerOptions> options,
    TimeProvider time,
    ILogger<SearchTokenIssuer> logger)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private SearchKey? _key;
    private Issued? _current;

    private sealed record Issued((long Exclusions, long Recent) Version, string Header, DateTimeOffset RenewAt);

    /// <summary>The header value (<c>Bearer …</c>), or null while the exclusions are not loaded yet.</summary>
    public async Task<string?> AuthorizationAsync(CancellationToken ct)
    {
        var snapshot = exclusions.Snapshot();
        if (!snapshot.Loaded)
        {
            return null;
        }
        var recent = overlay.Snapshot();
        var now = time.GetUtcNow();
        if (_current is { } current && current.Version == (snapshot.Version, recent.Version) && now < current.RenewAt)
        {
            return current.Header;
        }
        await _gate.WaitAsync(ct);
        try
        {
            snapshot = exclusions.Snapshot();
            recent = overlay.Snapshot();
            if (_current is { } fresh && fresh.Version == (snapshot.Version, recent.Version) && now < fresh.RenewAt)
            {
                return fresh.Header;
            }
            var index = options.Value.Index;
            _key ??= new SearchKey(SearchIndexWriter.SearchKeyUid(index), await writer.CreateSearchKeyAsync(index, ct));
            var token = SearchToken.Create(_key, index, snapshot.ListingIds, now + Lifetime, overlay.Enabled ? recent.Visible : null);
            _current = new Issued((snapshot.Version, recent.Version), "Bearer " + token, now + Lifetime / 2);
            LogIssued(snapshot.ListingIds.Count, recent.Visible.Count, snapshot.Version, recent.Version);
            return _current.Header;
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Search token issued excluding {Listings} listing(s), {Recent} shown from the recent index (versions {Version}, {RecentVersion})")]
    private partial void LogIssued(int listings, int recent, long version, long recentVersion);
}
