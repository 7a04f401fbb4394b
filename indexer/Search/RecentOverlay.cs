using System.Collections.Immutable;

namespace Atlas.Indexer.Search;

/// <summary>The recent index (docs/architecture.md, "The recent index"): an edit must be searchable within seconds, and
/// one write to the 100,000-document organisations index costs Meilisearch 2-6 s (its whole geo R-tree is rewritten).
/// A small flush therefore first writes its listings' documents to a tiny second index (<c>&lt;index&gt;-recent</c>, a
/// write there costs ≈ 0.1 s) and, once that write has run, the tenant token shows those listings from the recent index
/// and filters them out of the organisations index (<see cref="SearchToken.Rules"/>): the two are disjoint, and the map
/// site merges them. When the flush that last queued a listing has completed in the organisations index, the listing
/// leaves the overlay (<see cref="Finish"/>) and its recent documents are deleted.
///
/// This class is the bookkeeping (pure, in memory, thread-safe): which listings are in the overlay, which flush last
/// queued each of them (<c>Latest</c>), which flush wrote their recent documents (<c>Recent</c>), and whether those
/// documents are shown yet. Only <see cref="Visible"/> listings reach the token. After a restart the overlay is empty
/// and the recent index is cleared: the organisations index alone is then what search shows, as before.</summary>
public sealed class RecentOverlay(int capacity)
{
    /// <summary>Listings at most in the overlay at once (each one travels twice in the token, ≈ 45 bytes each); 0 turns
    /// the recent index off. A flush that does not fit goes to the organisations index only, as before.</summary>
    public int Capacity { get; } = capacity;

    public bool Enabled => Capacity > 0;

    private sealed record Entry(long Latest, long Recent, int RecentDocs, bool Visible);

    /// <summary>No flush has this id: a withdrawn listing's recent documents are never shown again.</summary>
    private const long Hidden = -1;

    private readonly Lock _lock = new();
    // Only ever read and written under the lock; what leaves it is the immutable visible set of a snapshot.
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private ImmutableSortedSet<string> _visible = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);
    private long _version;

    public RecentSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new RecentSnapshot(_version, _visible);
        }
    }

    /// <summary>Listings in the overlay (visible or not yet).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>How many more listings fit (0 when the recent index is off).</summary>
    public int Room
    {
        get
        {
            lock (_lock)
            {
                return Math.Max(0, Capacity - _entries.Count);
            }
        }
    }

    /// <summary>Flush <paramref name="flush"/> writes these listings (id → documents built) to the recent index. False,
    /// and nothing changed, when they do not all fit. Otherwise each becomes the listing's latest and recent flush, and
    /// the result says, per listing, how many documents the recent index may hold of it from an earlier write (the
    /// caller deletes those past the new count, in the same Meilisearch batch as the new ones). A listing already shown
    /// stays shown (with its earlier recent documents) until this write replaces them in place.</summary>
    public bool TryReserve(long flush, IReadOnlyDictionary<string, int> documents, out IReadOnlyDictionary<string, int> previous)
    {
        var before = new Dictionary<string, int>(StringComparer.Ordinal);
        previous = before;
        lock (_lock)
        {
            var added = documents.Keys.Count(id => !_entries.ContainsKey(id));
            if (!Enabled || documents.Count == 0 || _entries.Count + added > Capacity)
            {
                return false;
            }
            foreach (var (id, count) in documents)
            {
                var old = _entries.GetValueOrDefault(id);
                before[id] = old?.RecentDocs ?? 0;
                _entries[id] = new Entry(flush, flush, Math.Max(old?.RecentDocs ?? 0, count), old?.Visible ?? false);
            }
        }
        return true;
    }

    /// <summary>Flush <paramref name="flush"/> queued these listings to the organisations index only (or deleted them):
    /// those in the overlay now leave it when that flush completes, not earlier.</summary>
    public void Touch(long flush, IEnumerable<string> listingIds)
    {
        lock (_lock)
        {
            foreach (var id in listingIds)
            {
                if (_entries.TryGetValue(id, out var entry))
                {
                    _entries[id] = entry with { Latest = flush };
                }
            }
        }
    }

    /// <summary>The recent index has run flush <paramref name="flush"/>'s write (and the signed index its signatures,
    /// queued before it): its listings whose recent documents are still that flush's are shown from now on.</summary>
    public void MarkVisible(long flush)
    {
        lock (_lock)
        {
            foreach (var (id, entry) in _entries.ToList())
            {
                if (entry.Recent == flush && !entry.Visible)
                {
                    _entries[id] = entry with { Visible = true };
                }
            }
            UpdateVisible();
        }
    }

    /// <summary>Withdrawn listings (a takedown, whatever the filter of the exclusions can take): never shown from the
    /// recent index again, not even when a write queued before the withdrawal runs. They stay in the overlay (hidden)
    /// until their latest flush completes, so their recent documents are still deleted then.</summary>
    public void Withdraw(IEnumerable<string> listingIds)
    {
        lock (_lock)
        {
            foreach (var id in listingIds)
            {
                if (_entries.TryGetValue(id, out var entry))
                {
                    _entries[id] = entry with { Recent = Hidden, Visible = false };
                }
            }
            UpdateVisible();
        }
    }

    /// <summary>Flush <paramref name="flush"/> completed in the organisations index: the listings it was the latest flush
    /// of leave the overlay (the organisations index now holds what they showed, or their deletion); returns them with
    /// how many documents the recent index may hold of each, for their deletion by id.</summary>
    public IReadOnlyList<(string Id, int Documents)> Finish(long flush)
    {
        lock (_lock)
        {
            var left = _entries.Where(e => e.Value.Latest == flush).Select(e => (e.Key, e.Value.RecentDocs)).ToList();
            foreach (var (id, _) in left)
            {
                _entries.Remove(id);
            }
            UpdateVisible();
            return left;
        }
    }

    /// <summary>Forgets everything (the recent index was cleared).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _entries.Clear();
            UpdateVisible();
        }
    }

    /// <summary>Under the lock, after a change of the entries: the visible set, and a new version when it changed.</summary>
    private void UpdateVisible()
    {
        var visible = ImmutableSortedSet.CreateRange(StringComparer.Ordinal, _entries.Where(e => e.Value.Visible).Select(e => e.Key));
        if (!visible.SetEquals(_visible))
        {
            _visible = visible;
            _version++;
        }
    }
}

/// <summary>The listings shown from the recent index; <paramref name="Version"/> changes with every change.</summary>
public sealed record RecentSnapshot(long Version, IReadOnlyCollection<string> Visible);
