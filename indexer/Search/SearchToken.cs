using System.Text;
using Atlas.Indexer.Meilisearch;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Atlas.Indexer.Search;

/// <summary>The search-only key's uid and value (the HMAC secret of the tenant tokens Meilisearch accepts for it).</summary>
public sealed record SearchKey(string Uid, string Key);

/// <summary>Meilisearch tenant tokens for the map site's searches (pure): an HS256 JWT signed with the search-only key,
/// naming it (<c>apiKeyUid</c>), whose <c>searchRules</c> allow the index and its signed index, each with a filter that
/// leaves out the excluded listings. Meilisearch ANDs that filter with the query's own, so results, facet counts and
/// card documents all lose the listing at once (docs/protocol.md does not change: this is between the indexer, its
/// proxy and its Meilisearch).</summary>
public static class SearchToken
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>The filter of the excluded listings, or null when none is excluded. Documents without
    /// <c>listing_id</c> (keysets of the signed index) match it: NOT IN keeps a document that lacks the attribute.</summary>
    public static string? Filter(IReadOnlyCollection<string> excluded) =>
        excluded.Count == 0 ? null : $"NOT listing_id IN [{string.Join(", ", excluded.Select(SearchFilter.Quote))}]";

    /// <summary>The token's search rules: both indexes, each with <see cref="Filter"/> when there is one.</summary>
    public static Dictionary<string, object> Rules(string index, IReadOnlyCollection<string> excluded)
    {
        var filter = Filter(excluded);
        Dictionary<string, object> Rule() => filter is null ? [] : new() { ["filter"] = filter };
        return new Dictionary<string, object>
        {
            [index] = Rule(),
            [SignedIndexSettings.UidFor(index)] = Rule(),
        };
    }

    public static string Create(SearchKey key, string index, IReadOnlyCollection<string> excluded, DateTimeOffset expires)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>
            {
                ["searchRules"] = Rules(index, excluded),
                ["apiKeyUid"] = key.Uid,
            },
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key.Key)), SecurityAlgorithms.HmacSha256),
        });
    }
}
