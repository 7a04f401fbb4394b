using System.Net;
using System.Net.Http.Headers;
using Atlas.Api.Tests.Infrastructure;

namespace Atlas.Api.Tests;

/// <summary>Every federation answer carries a strong ETag over its exact bytes; <c>If-None-Match</c> with it answers
/// 304 with the same ETag and Cache-Control and no body, and a 304 is only ever given while the 200 would be the very
/// same bytes. Pages that can never change say <c>immutable</c>, the others must be revalidated.</summary>
public sealed class ConditionalRequestTests(TestNode node) : IClassFixture<TestNode>
{
    private const string Immutable = "public, max-age=31536000, immutable";
    private const string Revalidate = "public, no-cache";

    [Fact]
    public async Task A_304_names_the_same_representation_as_the_200_for_every_federation_route()
    {
        var id = await node.SubmitAndApproveAsync(Samples.Org("Conditional Entry"));
        var until = (await node.ChangesAsync()).Until;
        (string Path, string Cache)[] routes =
        [
            ("/.well-known/atlas-node", Revalidate),
            ("/atlas/v1/keyset", Revalidate),
            ("/atlas/v1/keyset/1", Immutable),
            ("/atlas/v1/head", Revalidate),
            ("/atlas/v1/changes", Revalidate),
            ($"/atlas/v1/changes?after=0&until={until}&limit=500", Immutable),
            ($"/atlas/v1/listings/{id}", Revalidate),
            ($"/atlas/v1/listings/{id}/versions/1", Immutable),
        ];
        foreach (var (path, cache) in routes)
        {
            var first = node.Request(HttpMethod.Get, path);
            first.Headers.Add("Origin", "https://map.example.org");
            using var full = await node.Http.SendAsync(first);
            Assert.Equal(HttpStatusCode.OK, full.StatusCode);
            var body = await full.Content.ReadAsByteArrayAsync();
            var tag = full.Headers.ETag;
            Assert.NotNull(tag);
            Assert.False(tag.IsWeak, path);
            Assert.Equal(cache, full.Headers.CacheControl?.ToString());
            // The tag is a function of the bytes: the same answer again has the same tag.
            using (var again = await node.SendAsync(HttpMethod.Get, path))
            {
                Assert.Equal(body, await again.Content.ReadAsByteArrayAsync());
                Assert.Equal(tag, again.Headers.ETag);
            }

            var conditional = node.Request(HttpMethod.Get, path);
            conditional.Headers.Add("Origin", "https://map.example.org");
            conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"some-other-tag\""));
            conditional.Headers.IfNoneMatch.Add(tag);
            using var notModified = await node.Http.SendAsync(conditional);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
            Assert.Equal(tag, notModified.Headers.ETag);
            Assert.Equal(full.Headers.CacheControl, notModified.Headers.CacheControl);
            Assert.Equal("*", Assert.Single(full.Headers.GetValues("Access-Control-Allow-Origin")));
            Assert.Equal("*", Assert.Single(notModified.Headers.GetValues("Access-Control-Allow-Origin")));

            // A tag that does not match gets the full answer.
            var stale = node.Request(HttpMethod.Get, path);
            stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"AAAAAAAAAAAAAAAAAAAAAA\""));
            using var fresh = await node.Http.SendAsync(stale);
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
            Assert.Equal(body, await fresh.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task A_changed_listing_or_feed_never_answers_304_to_the_old_tag_and_the_immutable_page_keeps_its_tag()
    {
        var id = await node.SubmitAndApproveAsync(Samples.Org("Conditional Before"));
        var until = (await node.ChangesAsync()).Until;
        var paths = new[] { $"/atlas/v1/listings/{id}", "/atlas/v1/changes", "/atlas/v1/head" };
        var before = new Dictionary<string, EntityTagHeaderValue>();
        foreach (var path in paths)
        {
            using var r = await node.SendAsync(HttpMethod.Get, path);
            before[path] = r.Headers.ETag!;
        }
        using var pinned = await node.SendAsync(HttpMethod.Get, $"/atlas/v1/changes?until={until}");
        var pinnedBody = await pinned.Content.ReadAsByteArrayAsync();

        await node.JsonAsync(HttpMethod.Put, $"/api/admin/organisations/{id}", node.EditorToken, Samples.Org("Conditional After"));

        foreach (var path in paths)
        {
            var req = node.Request(HttpMethod.Get, path);
            req.Headers.IfNoneMatch.Add(before[path]);
            using var r = await node.Http.SendAsync(req);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.NotEqual(before[path], r.Headers.ETag);
        }
        // The page up to the old position is the same bytes as before the edit, so its old tag still answers 304.
        var pinnedReq = node.Request(HttpMethod.Get, $"/atlas/v1/changes?until={until}");
        pinnedReq.Headers.IfNoneMatch.Add(pinned.Headers.ETag!);
        using var stillSame = await node.Http.SendAsync(pinnedReq);
        Assert.Equal(HttpStatusCode.NotModified, stillSame.StatusCode);
        Assert.Equal(pinnedBody, await node.Http.GetByteArrayAsync(node.BaseUrl + $"/atlas/v1/changes?until={until}"));
    }
}
