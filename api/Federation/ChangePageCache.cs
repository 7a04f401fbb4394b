using System.Collections.Concurrent;

namespace Atlas.Api.Federation;

/// <summary>Change pages by (after, until, limit) as the UTF-8 bytes sent on the wire, with their ETag. A page up to a
/// given feed_seq never changes: versions are append-only (a revocation re-signs into new feed positions), so a page is
/// built once and then served as bytes. Only pages asked for with an explicit <c>until</c> are cached (what indexers
/// send: every indexer of a head asks for the same pages); an open-ended page changes with every write and would only
/// churn the cache. Bounded by total size; when full it is simply emptied (pages are cheap to rebuild, rarely all hot).</summary>
public sealed class ChangePageCache
{
    /// <summary>16 MB of page bytes: a small node's whole memory budget is ~150 MB (docs/performance.md §1).</summary>
    public const long MaxBytes = 16L * 1024 * 1024;
    private readonly ConcurrentDictionary<(long After, long Until, int Limit), Representation> _pages = new();
    private long _bytes;

    public Representation GetOrAdd((long After, long Until, int Limit) key, Func<Representation> build)
    {
        if (_pages.TryGetValue(key, out var page))
        {
            return page;
        }
        page = build();
        if (Interlocked.Add(ref _bytes, page.Body.Length) > MaxBytes)
        {
            _pages.Clear();
            Interlocked.Exchange(ref _bytes, page.Body.Length);
        }
        _pages[key] = page;
        return page;
    }
}
