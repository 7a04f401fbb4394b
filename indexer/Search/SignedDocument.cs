using System.Text.Json.Serialization;

namespace Atlas.Indexer.Search;

/// <summary>A document of the signed index (docs/search-documents.md, "Signed index"): the exact signed bytes behind
/// the search documents, so a browser can verify a card without contacting the origin node. Kind <c>listing</c>
/// carries the listing JWS the documents were built from; kind <c>keyset</c> carries a node's keyset chain, every
/// version this indexer trusted, oldest first.</summary>
public sealed record SignedDocument(
    string SignedId,
    string Kind,
    string Node,
    string? ListingId,
    string? Jws,
    IReadOnlyList<string>? Keysets)
{
    public const string ListingKind = "listing";
    public const string KeysetKind = "keyset";

    public static string KeysetId(string node) => $"keyset-{node}";

    public static SignedDocument ForListing(string listingId, string node, string jws) =>
        new(listingId, ListingKind, node, listingId, jws, null);

    public static SignedDocument ForKeysets(string node, IReadOnlyList<string> chain) =>
        new(KeysetId(node), KeysetKind, node, null, null, chain);
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SignedDocument))]
[JsonSerializable(typeof(IReadOnlyList<SignedDocument>))]
public sealed partial class SignedJsonContext : JsonSerializerContext;
