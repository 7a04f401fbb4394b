using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Atlas.Api.Federation;

/// <summary>One federation answer as the UTF-8 bytes sent on the wire, with its strong ETag (the first 128 bits of
/// SHA-256 over exactly those bytes, base64url). Sent through <see cref="TypedResults.Bytes(ReadOnlyMemory{byte}, string?, string?, bool, DateTimeOffset?, EntityTagHeaderValue?)"/>,
/// which answers a matching <c>If-None-Match</c> with <c>304 Not Modified</c> (RFC 9110 §13) carrying the same ETag
/// and the same <c>Cache-Control</c>, so a 304 means exactly "the 200 you hold is still this answer".</summary>
public sealed record Representation(ReadOnlyMemory<byte> Body, EntityTagHeaderValue ETag)
{
    /// <summary>For answers that can never change (a change page up to a published feed position, a listing version,
    /// a keyset version): any cache, the reverse proxy included, may keep them for a year without asking again.</summary>
    public const string Immutable = "public, max-age=31536000, immutable";

    /// <summary>For answers that follow the node's state (head, latest listing, latest keyset, open-ended change page,
    /// descriptor): a cache may store them but must revalidate every time; the revalidation is a cheap 304.</summary>
    public const string Revalidate = "public, no-cache";

    public static Representation Of(ReadOnlyMemory<byte> body)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(body.Span, hash);
        return new Representation(body, new EntityTagHeaderValue("\"" + Base64Url.EncodeToString(hash[..16]) + "\""));
    }

    public FileContentHttpResult Send(HttpResponse response, string contentType, string cacheControl)
    {
        response.Headers.CacheControl = cacheControl;
        return TypedResults.Bytes(Body, contentType, entityTag: ETag);
    }
}
