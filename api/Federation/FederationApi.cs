using Atlas.Api.Data;
using Atlas.Api.Extensions;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Atlas.Protocol;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IO;
using Microsoft.Extensions.Options;

namespace Atlas.Api.Federation;

/// <summary>The public, read-only federation surface (docs/protocol.md): descriptor, keysets, head, change
/// feed, listings. Signed objects are served byte for byte as stored; any origin may GET them.</summary>
public static class FederationApi
{
    public const string Jose = "application/jose";
    public const string JoseJson = "application/jose+json";
    public const string Json = "application/json; charset=utf-8";

    public static IEndpointRouteBuilder MapFederation(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/atlas-node", Descriptor).WithTags("Federation").RequireCors(NodeServices.PublicReadCors)
            .WithName("GetNodeDescriptor").WithSummary("The node descriptor: protocol version, node id, name, region, licence and the links below.")
            .Produces<NodeDescriptor>(StatusCodes.Status200OK, "application/json");
        var group = app.MapGroup("/atlas/v1").WithTags("Federation").RequireCors(NodeServices.PublicReadCors);
        group.MapGet("/keyset", Keyset).WithName("GetKeyset")
            .WithSummary("The newest signed keyset (JWS JSON serialization, application/jose+json).")
            .Produces<string>(StatusCodes.Status200OK, JoseJson);
        group.MapGet("/keyset/{version:long}", KeysetVersion).WithName("GetKeysetVersion")
            .WithSummary("One keyset version, byte for byte as signed.")
            .Produces<string>(StatusCodes.Status200OK, JoseJson).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/head", Head).WithName("GetHead")
            .WithSummary("The signed feed head (compact JWS, application/jose): newest feed_seq, count and Merkle root.")
            .Produces<string>(StatusCodes.Status200OK, Jose);
        group.MapGet("/changes", Changes).WithName("GetChanges")
            .WithSummary("A page of the change feed after a feed_seq (limit 1..MaxChangePageEntries, optional until).")
            .Produces<string>(StatusCodes.Status200OK, "application/json").ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/listings/{id}", Listing).WithName("GetListing")
            .WithSummary("The newest signed version of a listing (or its tombstone).")
            .Produces<string>(StatusCodes.Status200OK, Jose).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/listings/{id}/versions/{seq:long}", ListingVersion).WithName("GetListingVersion")
            .WithSummary("One signed version of a listing, byte for byte as signed.")
            .Produces<string>(StatusCodes.Status200OK, Jose).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static FileContentHttpResult Descriptor(HttpResponse response, NodeStore store, IOptions<NodeOptions> options)
    {
        using var conn = store.Open();
        var node = NodeIdentity.Load(conn);
        var b = node.BaseUrl.TrimEnd('/');
        var links = new NodeLinks(
            Keyset: $"{b}/atlas/v1/keyset",
            KeysetVersion: $"{b}/atlas/v1/keyset/{{version}}",
            Head: $"{b}/atlas/v1/head",
            Changes: $"{b}/atlas/v1/changes",
            Listing: $"{b}/atlas/v1/listings/{{id}}",
            Submissions: $"{b}/api/submissions",
            Organisations: $"{b}/api/organisations",
            Vocabulary: $"{b}/api/vocabulary",
            OpenApi: $"{b}/openapi/v1.json",
            ProposeUrl: $"{b}{Pages.NodePages.ProposePath}",
            ConsoleUrl: $"{b}{Pages.NodePages.ConsolePath}");
        return Protocol(new NodeDescriptor(ProtocolLimits.ProtocolVersion, node.NodeId, node.Name, b, node.Region, options.Value.Licence, links), ProtocolJsonContext.Default.NodeDescriptor)
            .Send(response, Json, Representation.Revalidate);
    }

    public static FileContentHttpResult Keyset(HttpResponse response, NodeStore store)
    {
        using var conn = store.Open();
        return Representation.Of(Encoding.UTF8.GetBytes(Signing.KeyStore.LatestKeyset(conn).Jws)).Send(response, JoseJson, Representation.Revalidate);
    }

    /// <summary>Every keyset version is kept as signed and never re-signed: immutable.</summary>
    public static Results<FileContentHttpResult, ProblemHttpResult> KeysetVersion(long version, HttpResponse response, FederationReads reads)
    {
        var jws = reads.KeysetVersion(version);
        return jws is null
            ? NotFound($"This node has no keyset version {version}.")
            : Representation.Of(jws).Send(response, JoseJson, Representation.Immutable);
    }

    public static FileContentHttpResult Head(HttpResponse response, HeadService head) =>
        Representation.Of(Encoding.UTF8.GetBytes(head.Current().Jws)).Send(response, Jose, Representation.Revalidate);

    /// <summary>A page with an explicit <c>until</c> (necessarily ≤ the current feed_seq) is immutable: versions are
    /// append-only, so the latest versions as of a published position never change. It is built once, cached as bytes
    /// and sent with <c>immutable</c>, so a reverse proxy in front of the node may serve it too. An open-ended page
    /// follows the feed and must be revalidated.</summary>
    public static Results<FileContentHttpResult, ProblemHttpResult> Changes(HttpResponse response, NodeStore store, ChangePageCache cache, RecyclableMemoryStreamManager buffers, long? after, int? limit, long? until)
    {
        var from = after ?? 0;
        var take = limit ?? 500;
        if (from < 0 || take is < 1 or > ProtocolLimits.MaxChangePageEntries)
        {
            return TypedResults.Problem(statusCode: 400, title: "Bad change-feed query",
                detail: $"after is a feed_seq ≥ 0 and limit lies in 1..{ProtocolLimits.MaxChangePageEntries}.");
        }
        // A page once built for an `until` was valid then and stays valid (feed positions only grow): served from
        // memory without touching the database, which is what keeps a node near static-file speed (performance.md §13).
        if (until is { } fixedUntil && cache.TryGet((from, fixedUntil, take)) is { } cached)
        {
            return cached.Send(response, Json, Representation.Immutable);
        }
        using var conn = store.Open();
        using var tx = conn.BeginTransaction(deferred: true);
        var node = NodeIdentity.Load(conn, tx);
        var max = conn.ExecuteScalar<long>("SELECT coalesce(max(feed_seq), 0) FROM listing_versions", transaction: tx);
        var to = until ?? max;
        if (to < 0 || to > max)
        {
            return TypedResults.Problem(statusCode: 400, title: "Bad change-feed query",
                detail: $"until must lie in 0..{max} (the current feed_seq).");
        }
        ChangePage Build()
        {
            // The latest version of each listing as of `until`, exactly: no later version with feed_seq ≤ until.
            var rows = conn.Query<(long FeedSeq, string Id, long Seq, string Jws)>("""
                SELECT v.feed_seq, v.id, v.seq, v.jws FROM listing_versions v
                WHERE v.feed_seq > @from AND v.feed_seq <= @to
                  AND NOT EXISTS (SELECT 1 FROM listing_versions w WHERE w.id = v.id AND w.feed_seq > v.feed_seq AND w.feed_seq <= @to)
                ORDER BY v.feed_seq
                LIMIT @limit
                """, new { from, to, limit = take + 1 }, tx).ToList();
            var more = rows.Count > take;
            var page = rows.Take(take).Select(r => new ChangeEntry(r.FeedSeq, r.Id, r.Seq, r.Jws)).ToList();
            return new ChangePage(node.NodeId, to, page, more ? page[^1].FeedSeq : null);
        }
        return until is null
            ? Pooled(response, buffers, Build(), ProtocolJsonContext.Default.ChangePage).Send(response, Json, Representation.Revalidate)
            : cache.GetOrAdd((from, to, take), () => Protocol(Build(), ProtocolJsonContext.Default.ChangePage)).Send(response, Json, Representation.Immutable);
    }

    public static Results<FileContentHttpResult, ProblemHttpResult> Listing(string id, HttpResponse response, FederationReads reads)
    {
        var jws = Identifiers.IsListingId(id) ? reads.LatestListing(id) : null;
        return jws is null ? NotFound($"This node has no listing {id}.") : Representation.Of(jws).Send(response, Jose, Representation.Revalidate);
    }

    /// <summary>A version (id, seq) is stored once and kept forever, its bytes identified by their hash: immutable.</summary>
    public static Results<FileContentHttpResult, ProblemHttpResult> ListingVersion(string id, long seq, HttpResponse response, FederationReads reads)
    {
        var jws = Identifiers.IsListingId(id) ? reads.ListingVersion(id, seq) : null;
        return jws is null ? NotFound($"This node has no version {seq} of listing {id}.") : Representation.Of(jws).Send(response, Jose, Representation.Immutable);
    }

    /// <summary>Protocol objects are written by the protocol's own serializer, exactly as verifiers read them
    /// (e.g. <c>"next": null</c> is present, not omitted), straight to UTF-8.</summary>
    private static Representation Protocol<T>(T value, JsonTypeInfo<T> typeInfo) =>
        Representation.Of(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));

    /// <summary>As <see cref="Protocol{T}"/>, into a pooled buffer that goes back to the pool once the answer has been
    /// sent: an open-ended change page (up to ≈ 2.2 MB at 1,000 entries) serves one answer, and a new indexer reads a
    /// node's whole feed in such pages; as fresh arrays they were large-object garbage kept until the next full
    /// collection (performance.md §13).</summary>
    private static Representation Pooled<T>(HttpResponse response, RecyclableMemoryStreamManager buffers, T value, JsonTypeInfo<T> typeInfo)
    {
        var stream = buffers.GetStream(nameof(Pooled));
        response.RegisterForDispose(stream);
        JsonSerializer.Serialize(stream, value, typeInfo);
        return Representation.Of(new ReadOnlyMemory<byte>(stream.GetBuffer(), 0, (int)stream.Length));
    }

    private static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(statusCode: 404, title: "Not found", detail: detail);
}
