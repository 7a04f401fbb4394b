using System.Collections.Concurrent;

namespace Atlas.Api.Federation;

/// <summary>Change pages by (after, until, limit) as the UTF-8 bytes sent on the wire, with their ETag. A page up to a
/// given feed_seq never changes: versions are append-only (a revocation re-signs into new feed positions), so a page is
/// built once and then served as bytes. Only pages asked for with an explicit <c>until</c> are cached (what indexers
/// send: every indexer of a head asks for the same pages); an open-ended page changes with every write and would only
/// churn the cache. Bounded by total size: when full, the pages of the oldest heads go first (indexers ask for the
/// newest head), and within one head the last pages (a new indexer reads from after=0; later pages are asked by fewer).</summary>
public sealed class ChangePageCache
{
    /// <summary>16 MB of page bytes: a small node's whole memory budget is ~150 MB (docs/performance.md §1).</summary>
    public const long MaxBytes = 16L * 1024 * 1024;
    private readonly ConcurrentDictionary<(long After, long Until, int Limit), Representation> _pages = new();
    private readonly Lock _evicting = new();
    private long _bytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public Representation? TryGet((long After, long Until, int Limit) key) => _pages.GetValueOrDefault(key);

    public Representation GetOrAdd((long After, long Until, int Limit) key, Func<Representation> build)
    {
        if (_pages.TryGetValue(key, out var page))
        {
            return page;
        }
        page = build();
        if (page.Body.Length > MaxBytes / 4 || !_pages.TryAdd(key, page))
        {
            return page;
        }
        if (Interlocked.Add(ref _bytes, page.Body.Length) > MaxBytes)
        {
            Evict();
        }
        return page;
    }

    /// <summary>Down to three quarters of the budget, oldest head first, then the last pages of a head.</summary>
    private void Evict()
    {
        lock (_evicting)
        {
            foreach (var key in _pages.Keys.OrderBy(k => k.Until).ThenByDescending(k => k.After))
            {
                if (Interlocked.Read(ref _bytes) <= MaxBytes * 3 / 4)
                {
                    break;
                }
                if (_pages.TryRemove(key, out var gone))
                {
                    Interlocked.Add(ref _bytes, -gone.Body.Length);
                }
            }
        }
    }
}
