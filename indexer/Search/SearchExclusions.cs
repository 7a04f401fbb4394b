using System.Collections.Immutable;

namespace Atlas.Indexer.Search;

/// <summary>The listings search must stop showing at once, before Meilisearch has deleted their documents (the
/// takedown fast path, docs/architecture.md "Search-time exclusion"). The removal lane adds every listing it finds
/// withdrawn; <see cref="SearchTokenIssuer"/> turns the set into the filter of the tenant token the proxy puts on every
/// search, so a takedown leaves everything the map site shows as soon as the indexer has committed it, whatever
/// Meilisearch's queue holds. An id leaves the set only when search no longer has a document of it or the state shows
/// the listing again (<see cref="SearchWritePlan.ReleaseExclusion"/>). In memory: after a restart the lane rebuilds it
/// from the outbox before the first token is issued (<see cref="Loaded"/>).</summary>
public sealed class SearchExclusions(int capacity)
{
    /// <summary>At most <see cref="IndexerOptions.MaxExcludedListings"/> listings travel in the token (about 8 KB of
    /// header at 100 ids of 40 characters); a mass removal beyond it (a whole node hidden) falls back to the removal
    /// lane's immediate deletion for the rest.</summary>
    public int Capacity { get; } = capacity;

    private readonly Lock _lock = new();
    private ImmutableSortedSet<string> _ids = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);
    private long _version;
    private bool _loaded;

    public ExclusionSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new ExclusionSnapshot(_version, _ids, _loaded);
        }
    }

    /// <summary>Adds these listings; returns those that did not fit (<see cref="Capacity"/>).</summary>
    public IReadOnlyList<string> Add(IEnumerable<string> listingIds)
    {
        var overflow = new List<string>();
        var changed = false;
        lock (_lock)
        {
            foreach (var id in listingIds)
            {
                if (_ids.Contains(id))
                {
                    continue;
                }
                if (_ids.Count >= Capacity)
                {
                    overflow.Add(id);
                    continue;
                }
                _ids = _ids.Add(id);
                changed = true;
            }
            if (changed)
            {
                _version++;
            }
        }
        return overflow;
    }

    public void Release(IEnumerable<string> listingIds)
    {
        lock (_lock)
        {
            var before = _ids;
            _ids = _ids.Except(listingIds);
            if (!ReferenceEquals(before, _ids) && before.Count != _ids.Count)
            {
                _version++;
            }
        }
    }

    /// <summary>The lane has looked at the whole outbox once since start: tokens may be issued.</summary>
    public void MarkLoaded()
    {
        lock (_lock)
        {
            if (_loaded)
            {
                return;
            }
            _loaded = true;
            _version++;
        }
    }
}

/// <summary>One consistent view of <see cref="SearchExclusions"/>: <paramref name="Version"/> changes with every change.</summary>
public sealed record ExclusionSnapshot(long Version, IReadOnlyCollection<string> ListingIds, bool Loaded);
