using System.Text.Json;
using Atlas.Indexer.Search;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Atlas.Indexer.Tests.Search;

/// <summary>The tenant token and the exclusion set, as pure values (the real Meilisearch accepting them is
/// SearchExclusionTests).</summary>
public sealed class SearchTokenTests
{
    private static readonly SearchKey Key = new("0f6c2a1e-8d7b-4c3a-9e5f-1a2b3c4d5e6f", new string('k', 64));

    private static async Task<JsonWebToken> ValidatedAsync(string token, string key)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(key)),
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        return (JsonWebToken)result.SecurityToken;
    }

    [Fact]
    public async Task The_token_names_the_key_filters_both_indexes_and_expires()
    {
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        var token = SearchToken.Create(Key, "organisations", ["a\"b", "listing-2"], expires);
        var jwt = await ValidatedAsync(token, Key.Key);
        Assert.Equal("HS256", jwt.Alg);
        Assert.Equal(Key.Uid, jwt.GetPayloadValue<string>("apiKeyUid"));
        Assert.Equal(expires.ToUnixTimeSeconds(), jwt.GetPayloadValue<long>("exp"));
        using var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.EncodedPayload));
        var rules = payload.RootElement.GetProperty("searchRules");
        Assert.Equal(["organisations", "organisations-signed"], rules.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var rule in rules.EnumerateObject())
        {
            Assert.Equal("NOT listing_id IN [\"a\\\"b\", \"listing-2\"]", rule.Value.GetProperty("filter").GetString());
        }
    }

    [Fact]
    public async Task Without_exclusions_the_rules_carry_no_filter_and_another_key_does_not_validate()
    {
        var token = SearchToken.Create(Key, "orgs", [], DateTimeOffset.UtcNow.AddMinutes(5));
        var jwt = await ValidatedAsync(token, Key.Key);
        using var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.EncodedPayload));
        foreach (var rule in payload.RootElement.GetProperty("searchRules").EnumerateObject())
        {
            Assert.Equal(JsonValueKind.Object, rule.Value.ValueKind);
            Assert.False(rule.Value.TryGetProperty("filter", out _));
        }
        var other = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(new string('x', 64))),
            ValidateIssuer = false,
            ValidateAudience = false,
        });
        Assert.False(other.IsValid);
    }

    [Fact]
    public void With_the_recent_index_its_listings_are_filtered_out_of_the_index_and_only_they_are_shown_from_it()
    {
        var rules = SearchToken.Rules("organisations", ["x"], ["r1", "x"]);
        Assert.Equal(["organisations", "organisations-recent", "organisations-signed"], rules.Keys.Order(StringComparer.Ordinal));
        string Filter(string index) => (string)((Dictionary<string, object>)rules[index])["filter"];
        Assert.Equal("NOT listing_id IN [\"x\", \"r1\"]", Filter("organisations"));
        // The signed index keeps the listing's signature: the card of a recent document needs it.
        Assert.Equal("NOT listing_id IN [\"x\"]", Filter("organisations-signed"));
        // An excluded listing is not shown from the recent index either.
        Assert.Equal("listing_id IN [\"r1\"]", Filter("organisations-recent"));

        var none = SearchToken.Rules("organisations", [], []);
        Assert.Empty((Dictionary<string, object>)none["organisations"]);
        Assert.Equal("listing_id IN []", (string)((Dictionary<string, object>)none["organisations-recent"])["filter"]);
        Assert.False(SearchToken.Rules("organisations", [], null).ContainsKey("organisations-recent"));
    }

    [Fact]
    public void The_exclusion_set_is_capped_versioned_and_releases_only_what_it_is_told()
    {
        var set = new SearchExclusions(100);
        Assert.False(set.Snapshot().Loaded);
        var unloaded = set.Snapshot().Version;
        set.MarkLoaded();
        Assert.True(set.Snapshot().Loaded);
        var v0 = set.Snapshot().Version;
        Assert.True(v0 > unloaded);   // tokens issued before the set was loaded are renewed
        set.MarkLoaded();
        Assert.Equal(v0, set.Snapshot().Version);

        var ids = Enumerable.Range(0, set.Capacity + 7).Select(i => $"l{i:000}").ToList();
        var overflow = set.Add(ids);
        Assert.Equal(7, overflow.Count);
        Assert.Equal(set.Capacity, set.Snapshot().ListingIds.Count);
        Assert.True(set.Snapshot().Version > v0);
        var v1 = set.Snapshot().Version;
        Assert.Empty(set.Add(ids.Take(3)));        // already there: no change
        Assert.Equal(v1, set.Snapshot().Version);

        set.Release(["l000", "unknown"]);
        Assert.DoesNotContain("l000", set.Snapshot().ListingIds);
        Assert.Contains("l001", set.Snapshot().ListingIds);
        Assert.True(set.Snapshot().Version > v1);
        var v2 = set.Snapshot().Version;
        set.Release(["unknown"]);
        Assert.Equal(v2, set.Snapshot().Version);
    }
}
