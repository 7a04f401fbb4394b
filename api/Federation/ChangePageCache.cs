using System.Collections.Concurrent;

namespace Atlas.Api.Federation;

/// <summary>Serialized change pages by (after, until, limit). A page up to a given feed_seq never changes: versions
/// are append-only (a revocation re-signs into new feed positions), so a page is built once and then served as
/// text. Only pages asked for with an explicit <c>until</c> are cached (what indexers send: every indexer of a head
/// asks for the same pages); an open-ended page changes with every write and would only churn the cache. Bounded by total size; when full it is simply emptied (pages are cheap to rebuild, rarely all hot).</summary>
public sealed class ChangePageCache
{
    private const long MaxChars = 8L * 1024 * 1024; // 16 MB as .NET strings: a small node's memory budget is ~150 MB
    private readonly ConcurrentDictionary<(long After, long Until, int Limit), string> _pages = new();
    private long _chars;

    public string GetOrAdd((long After, long Until, int Limit) key, Func<string> build)
    {
        if (_pages.TryGetValue(key, out var page))
        {
            return page;
        }
        page = build();
        if (Interlocked.Add(ref _chars, page.Length) > MaxChars)
        {
            _pages.Clear();
            Interlocked.Exchange(ref _chars, page.Length);
        }
        _pages[key] = page;
        return page;
    }
}
