using System.Collections.Concurrent;
using Atlas.Api.Federation;
using Atlas.Protocol.Model;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.Organisations;

/// <summary>The organisations this node currently publishes, parsed once per version: a browse request reads
/// only (id, seq) from SQLite and parses just the versions it has not seen, so a flood of public reads costs
/// an index scan, not thousands of JSON parses.</summary>
public sealed class PublishedOrganisations
{
    private readonly ConcurrentDictionary<string, (long Seq, Organisation Org)> _parsed = new(StringComparer.Ordinal);

    public IReadOnlyList<OrganisationItem> Current(SqliteConnection conn)
    {
        var live = conn.Query<(string Id, long Seq)>("SELECT id, seq FROM listings WHERE status = 'active' ORDER BY id").AsList();
        var items = new List<OrganisationItem>(live.Count);
        foreach (var (id, seq) in live)
        {
            if (!_parsed.TryGetValue(id, out var entry) || entry.Seq != seq)
            {
                var jws = conn.QuerySingle<string>("SELECT jws FROM listing_versions WHERE id = @id AND seq = @seq", new { id, seq });
                entry = (seq, Publisher.ReadOwnPayload(jws).Org!);
                _parsed[id] = entry;
            }
            items.Add(new OrganisationItem(id, seq, entry.Org));
        }
        if (_parsed.Count > live.Count + 64)
        {
            // Withdrawn organisations leave the cache once they are a noticeable share of it.
            var keep = live.Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _parsed.Keys.Where(k => !keep.Contains(k)))
            {
                _parsed.TryRemove(gone, out _);
            }
        }
        return items;
    }
}
