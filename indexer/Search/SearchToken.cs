using System.Text;
using Atlas.Indexer.Meilisearch;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Atlas.Indexer.Search;

/// <summary>The search-only key's uid and value (the HMAC secret of the tenant tokens Meilisearch accepts for it).</summary>
public sealed record SearchKey(string Uid, string Key);

/// <summary>Meilisearch tenant tokens for the map site's searches (pure): an HS256 JWT signed with the search-only key,
/// naming it (<c>apiKeyUid</c>), whose <c>searchRules</c> allow the index and its signed index, each with a filter that
/// leaves out the excluded listings (and the recent index, <see cref="RecentOverlay"/>). Meilisearch ANDs that filter with the query's own, so results, facet counts and
/// card documents all lose the listing at once (docs/protocol.md does not change: this is between the indexer, its
/// proxy and its Meilisearch).</summary>
public static class SearchToken
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>The filter of the excluded listings, or null when none is excluded. Documents without
    /// <c>listing_id</c> (keysets of the signed index) match it: NOT IN keeps a document that lacks the attribute.</summary>
    public static string? Filter(IReadOnlyCollection<string> excluded) =>
        excluded.Count == 0 ? null : $"NOT listing_id IN [{string.Join(", ", excluded.Select(SearchFilter.Quote))}]";

    /// <summary>The filter of the recent index (<see cref="RecentOverlay"/>): exactly the listings shown from it, minus the
    /// excluded ones (<c>listing_id IN []</c> matches nothing, so documents awaiting their deletion are never seen).</summary>
    public static string RecentFilter(IReadOnlyCollection<string> recent, IReadOnlyCollection<string> excluded) =>
        $"listing_id IN [{string.Join(", ", recent.Where(id => !excluded.Contains(id)).Select(SearchFilter.Quote))}]";

    /// <summary>The token's search rules: the index and its signed index, each with <see cref="Filter"/> when there is
    /// one; with <paramref name="recent"/> (the recent index on) also the recent index with <see cref="RecentFilter"/>,
    /// and the listings shown from it filtered out of the index, so the two never hold the same listing for a search.</summary>
    public static Dictionary<string, object> Rules(string index, IReadOnlyCollection<string> excluded, IReadOnlyCollection<string>? recent = null)
    {
        static Dictionary<string, object> Rule(string? filter) => filter is null ? [] : new() { ["filter"] = filter };
        var rules = new Dictionary<string, object>
        {
            [index] = Rule(Filter(recent is null || recent.Count == 0 ? excluded : [.. excluded.Union(recent, StringComparer.Ordinal)])),
            [SignedIndexSettings.UidFor(index)] = Rule(Filter(excluded)),
        };
        if (recent is not null)
        {
            rules[RecentIndexSettings.UidFor(index)] = Rule(RecentFilter(recent, excluded));
        }
        return rules;
    }

    public static string Create(SearchKey key, string index, IReadOnlyCollection<string> excluded, DateTimeOffset expires,
        IReadOnlyCollection<string>? recent = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>
            {
                ["searchRules"] = Rules(index, excluded, recent),
                ["apiKeyUid"] = key.Uid,
            },
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key.Key)), SecurityAlgorithms.HmacSha256),
        });
    }
}
