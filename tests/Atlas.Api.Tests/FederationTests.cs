using System.Net;
using System.Text.Json;
using Atlas.Api.Tests.Infrastructure;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;

namespace Atlas.Api.Tests;

/// <summary>The vertical slice against a real node process: submission → approval → signed listing in the
/// change feed and head, verified with the keyset found through the descriptor.</summary>
public sealed class FederationTests(TestNode node) : IClassFixture<TestNode>
{
    [Fact]
    public async Task Approved_submission_is_a_verifiable_listing_in_feed_and_head()
    {
        var id = await node.SubmitAndApproveAsync(Samples.Org("Feed Check"));
        var keyset = await node.TrustedKeysetAsync();

        var listing = SignedObjects.VerifyListing(await node.GetStringAsync($"/atlas/v1/listings/{id}"), keyset, id);
        Assert.Equal("berlin", listing.Payload.Iss);
        Assert.Equal(1, listing.Payload.Seq);
        Assert.Null(listing.Payload.Prev);
        Assert.Equal("Feed Check", listing.Payload.Org!.Name["en"]);
        // City precision: the Berlin centre snapped to the 0.01° grid.
        Assert.Equal((52.52, 13.41), (listing.Payload.Org.Locations[0].Lat!.Value, listing.Payload.Org.Locations[0].Lon!.Value));

        var head = SignedObjects.VerifyHead(await node.GetStringAsync("/atlas/v1/head"), keyset, DateTimeOffset.UtcNow);
        var page = await node.ChangesAsync($"?until={head.Payload.FeedSeq}");
        Assert.Contains(page.Entries, e => e.Id == id && e.Jws == listing.Jws);
        var verified = page.Entries.Select(e => SignedObjects.VerifyListing(e.Jws, keyset, e.Id)).ToList();
        Assert.Equal(head.Payload.Root, HeadRoot.Compute(verified.Select(v => (v.Payload.Id, v.Payload.Seq, v.Hash))));
        Assert.Equal(head.Payload.Count, page.Entries.Count);
        Assert.Equal(head.Payload.FeedSeq, page.Until);
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task Edit_increments_seq_and_links_prev_to_the_previous_hash()
    {
        var id = await node.SubmitAndApproveAsync(Samples.Org("Before Edit"));
        var v1 = await node.GetStringAsync($"/atlas/v1/listings/{id}");
        var edited = await node.JsonAsync(HttpMethod.Put, $"/api/admin/organisations/{id}", node.EditorToken, Samples.Org("After Edit"));
        Assert.Equal(2, edited.GetProperty("seq").GetInt64());

        var keyset = await node.TrustedKeysetAsync();
        var v2 = SignedObjects.VerifyListing(await node.GetStringAsync($"/atlas/v1/listings/{id}"), keyset, id);
        Assert.Equal(2, v2.Payload.Seq);
        Assert.Equal(SignedObjects.HashOf(v1), v2.Payload.Prev);
        Assert.Equal("After Edit", v2.Payload.Org!.Name["en"]);
        Assert.Equal(v1, await node.GetStringAsync($"/atlas/v1/listings/{id}/versions/1"));

        // An edit proposed through a submission also becomes the next version.
        var sub = await node.JsonAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Samples.Org("Third"), listing_id = id }, expect: HttpStatusCode.Accepted);
        var v3 = await node.JsonAsync(HttpMethod.Post, $"/api/admin/submissions/{sub.GetProperty("id").GetInt64()}/approve", node.EditorToken);
        Assert.Equal(3, v3.GetProperty("seq").GetInt64());
        Assert.Equal(id, v3.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Withdraw_publishes_a_tombstone_kept_in_feed_and_head_and_the_id_is_never_reused()
    {
        var id = await node.SubmitAndApproveAsync(Samples.Org("To Withdraw"));
        var withdrawn = await node.JsonAsync(HttpMethod.Post, $"/api/admin/organisations/{id}/withdraw", node.EditorToken);
        Assert.Equal("tombstone", withdrawn.GetProperty("status").GetString());

        var keyset = await node.TrustedKeysetAsync();
        var tomb = SignedObjects.VerifyListing(await node.GetStringAsync($"/atlas/v1/listings/{id}"), keyset, id);
        Assert.True(tomb.IsTombstone);
        Assert.Null(tomb.Payload.Org);
        Assert.Equal(2, tomb.Payload.Seq);

        var head = SignedObjects.VerifyHead(await node.GetStringAsync("/atlas/v1/head"), keyset, DateTimeOffset.UtcNow);
        var page = await node.ChangesAsync($"?until={head.Payload.FeedSeq}");
        Assert.Contains(page.Entries, e => e.Id == id && e.Jws == tomb.Jws);
        Assert.Equal(head.Payload.Root, HeadRoot.Compute(page.Entries.Select(e => (e.Id, e.Seq, SignedObjects.HashOf(e.Jws)))));

        // Tombstones are final: no edit, no second withdrawal, no submission resurrects it.
        Assert.Equal(HttpStatusCode.Conflict, (await node.SendAsync(HttpMethod.Put, $"/api/admin/organisations/{id}", node.EditorToken, Samples.Org("Back"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await node.SendAsync(HttpMethod.Post, $"/api/admin/organisations/{id}/takedown", node.EditorToken)).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await node.SendAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Samples.Org("Back"), listing_id = id })).StatusCode);
        Assert.DoesNotContain((await node.GetStringAsync("/api/organisations?q=To%20Withdraw")), "To Withdraw");
    }

    /// <summary>Pages are cached by (after, until, limit): a page up to a feed position stays byte-identical while the
    /// feed grows, and the open-ended page still shows the newest version.</summary>
    [Fact]
    public async Task A_page_up_to_a_feed_position_never_changes_and_the_open_page_follows_new_versions()
    {
        var id = await node.SubmitAndApproveAsync(Samples.Org("Cached Page Entry"));
        var until = (await node.ChangesAsync()).Until;
        var fixedPage = await node.GetStringAsync($"/atlas/v1/changes?until={until}");
        Assert.Equal(fixedPage, await node.GetStringAsync($"/atlas/v1/changes?until={until}"));

        await node.JsonAsync(HttpMethod.Put, $"/api/admin/organisations/{id}", node.EditorToken, Samples.Org("Cached Page Entry Edited"));
        Assert.Equal(fixedPage, await node.GetStringAsync($"/atlas/v1/changes?until={until}"));
        var open = await node.ChangesAsync();
        Assert.True(open.Until > until);
        Assert.Contains(open.Entries, e => e.Id == id && e.Seq == 2);
        Assert.DoesNotContain(open.Entries, e => e.Id == id && e.Seq == 1);
    }

    /// <summary>Listing reads run on long-lived connections with prepared statements (<c>FederationReads</c>): every
    /// pooled reader must still answer with the newest version after a write through the API and after a write by the
    /// CLI in another process, and a version read keeps answering with its own bytes.</summary>
    [Fact]
    public async Task Every_pooled_reader_sees_an_edit_and_a_withdrawal_by_another_process_at_once()
    {
        var id = await node.SubmitAndApproveAsync(Samples.Org("Prepared Read Entry"));
        var keyset = await node.TrustedKeysetAsync();
        async Task<long[]> ReadManyAsync() =>
            (await Task.WhenAll(Enumerable.Range(0, 24).Select(async _ => SignedObjects.VerifyListing(await node.GetStringAsync($"/atlas/v1/listings/{id}"), keyset, id).Payload.Seq)))
            .Distinct().ToArray();
        Assert.Equal(new[] { 1L }, await ReadManyAsync());
        var first = await node.GetStringAsync($"/atlas/v1/listings/{id}/versions/1");

        await node.JsonAsync(HttpMethod.Put, $"/api/admin/organisations/{id}", node.EditorToken, Samples.Org("Prepared Read Entry Edited"));
        Assert.Equal(new[] { 2L }, await ReadManyAsync());

        await node.Cli("withdraw", id);
        Assert.Equal(new[] { 3L }, await ReadManyAsync());
        Assert.True(SignedObjects.VerifyListing(await node.GetStringAsync($"/atlas/v1/listings/{id}"), keyset, id).IsTombstone);
        Assert.Equal(first, await node.GetStringAsync($"/atlas/v1/listings/{id}/versions/1"));
        Assert.Equal(HttpStatusCode.NotFound, (await node.SendAsync(HttpMethod.Get, $"/atlas/v1/listings/{id}/versions/4")).StatusCode);
    }

    /// <summary>Open-ended pages are serialised into pooled buffers returned when the answer has been sent: answers built
    /// at the same time must each carry their own bytes, under an ETag over exactly those bytes.</summary>
    [Fact]
    public async Task Open_ended_pages_built_at_once_each_carry_their_own_bytes_and_tag()
    {
        for (var i = 0; i < 4; i++)
        {
            await node.SubmitAndApproveAsync(Samples.Org($"Pooled Page Entry {i}"));
        }
        var head = (await node.ChangesAsync()).Until;
        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(async k =>
        {
            var after = k % (int)head;
            using var response = await node.Http.GetAsync($"{node.BaseUrl}/atlas/v1/changes?after={after}&limit={1 + k % 3}");
            response.EnsureSuccessStatusCode();
            return (After: after, Limit: 1 + k % 3, Body: await response.Content.ReadAsByteArrayAsync(), Tag: response.Headers.ETag!.Tag);
        }));
        foreach (var (after, limit, body, tag) in answers)
        {
            Assert.Equal(Atlas.Api.Federation.Representation.Of(body).ETag.Tag.ToString(), tag);
            var page = JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.ChangePage)!;
            Assert.InRange(page.Entries.Count, 1, limit);
            Assert.All(page.Entries, e => Assert.True(e.FeedSeq > after));
            Assert.Equal(page.Entries.Select(e => e.FeedSeq).Order(), page.Entries.Select(e => e.FeedSeq));
        }
    }

    [Fact]
    public async Task Emergency_takedown_is_published_at_once_and_audited()
    {
        var id = await node.SubmitAndApproveAsync(Samples.Org("Compromised Entry"));
        var before = (await node.ChangesAsync()).Until;
        await node.JsonAsync(HttpMethod.Post, $"/api/admin/organisations/{id}/takedown", node.EditorToken);
        var after = await node.ChangesAsync($"?after={before}");
        var entry = Assert.Single(after.Entries, e => e.Id == id);
        Assert.Equal(2, entry.Seq);
        var audit = await node.JsonAsync(HttpMethod.Get, "/api/admin/audit", node.AdminToken);
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "listing.takedown" && a.GetProperty("target").GetString() == id
                                                     && a.GetProperty("actor").GetString() == "test-editor");
    }

    [Fact]
    public async Task Only_public_contacts_leave_the_node_and_the_submitter_email_never_does()
    {
        var org = Samples.Org("Private Bits", contacts:
        [
            new { kind = "email", value = "public-desk@example.org", visibility = "public" },
            new { kind = "phone", value = "+49 30 5550000", visibility = "hidden" },
            new { kind = "signal", value = "vetted-handle", visibility = "vetted" },
        ]);
        var sub = await node.JsonAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = org, submitter_email = "founder@example.org" }, expect: HttpStatusCode.Accepted);
        var id = (await node.JsonAsync(HttpMethod.Post, $"/api/admin/submissions/{sub.GetProperty("id").GetInt64()}/approve", node.EditorToken)).GetProperty("id").GetString()!;

        var jws = await node.GetStringAsync($"/atlas/v1/listings/{id}");
        var payload = System.Text.Encoding.UTF8.GetString(Base64Url.Decode(jws.Split('.')[1]));
        Assert.Contains("public-desk@example.org", payload);
        foreach (var secret in new[] { "+49 30 5550000", "vetted-handle", "founder@example.org" })
        {
            Assert.DoesNotContain(secret, payload);
            Assert.DoesNotContain(secret, await node.GetStringAsync("/api/organisations?q=Private%20Bits"));
            Assert.DoesNotContain(secret, await node.GetStringAsync("/atlas/v1/changes"));
            Assert.DoesNotContain(secret, node.Log);
        }
        // The node keeps them for its editors.
        var stored = await node.JsonAsync(HttpMethod.Get, $"/api/admin/organisations/{id}", node.EditorToken);
        Assert.Equal(3, stored.GetProperty("organisation").GetProperty("contacts").GetArrayLength());
    }

    [Fact]
    public async Task Change_feed_pages_and_until_give_an_exact_snapshot()
    {
        var a = await node.SubmitAndApproveAsync(Samples.Org("Snapshot A"));
        var snapshot = (await node.ChangesAsync()).Until;
        await node.JsonAsync(HttpMethod.Put, $"/api/admin/organisations/{a}", node.EditorToken, Samples.Org("Snapshot A2"));

        var old = await node.ChangesAsync($"?until={snapshot}");
        Assert.Equal(1, Assert.Single(old.Entries, e => e.Id == a).Seq);
        var now = await node.ChangesAsync();
        Assert.Equal(2, Assert.Single(now.Entries, e => e.Id == a).Seq);

        // Paging with limit 1 walks the same entries in feed_seq order.
        var walked = new List<ChangeEntry>();
        long after = 0;
        for (var i = 0; i < 1000; i++)
        {
            var page = await node.ChangesAsync($"?after={after}&limit=1&until={now.Until}");
            walked.AddRange(page.Entries);
            if (page.Next is not { } next)
            {
                break;
            }
            after = next;
        }
        Assert.Equal(now.Entries.Select(e => e.FeedSeq), walked.Select(e => e.FeedSeq));
        Assert.True(walked.Select(e => e.FeedSeq).SequenceEqual(walked.Select(e => e.FeedSeq).Order()));

        Assert.Equal(HttpStatusCode.BadRequest, (await node.SendAsync(HttpMethod.Get, "/atlas/v1/changes?limit=1001")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await node.SendAsync(HttpMethod.Get, $"/atlas/v1/changes?until={now.Until + 5}")).StatusCode);
    }

    [Fact]
    public async Task Signed_objects_carry_exactly_alg_typ_kid_and_the_head_expires_within_a_day()
    {
        await node.SubmitAndApproveAsync(Samples.Org("Header Check"));
        var head = await node.GetStringAsync("/atlas/v1/head");
        var listing = (await node.ChangesAsync()).Entries[0].Jws;
        var keyset = JsonDocument.Parse(await node.GetStringAsync("/atlas/v1/keyset")).RootElement;
        var headers = new List<string> { head.Split('.')[0], listing.Split('.')[0] };
        headers.AddRange(keyset.GetProperty("signatures").EnumerateArray().Select(s => s.GetProperty("protected").GetString()!));
        foreach (var h in headers)
        {
            var names = JsonDocument.Parse(Base64Url.Decode(h)).RootElement.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(["alg", "typ", "kid"], names);
        }
        var payload = JsonSerializer.Deserialize(Base64Url.Decode(head.Split('.')[1]), ProtocolJsonContext.Default.HeadPayload)!;
        Assert.Equal("berlin", payload.Iss);
        Assert.InRange(payload.Exp - payload.Iat, 3600, 24 * 3600);
    }

    [Fact]
    public async Task Public_reads_allow_any_origin_and_admin_routes_do_not()
    {
        var req = node.Request(HttpMethod.Get, "/atlas/v1/head");
        req.Headers.Add("Origin", "https://map.example.org");
        using var pub = await node.Http.SendAsync(req);
        Assert.Equal("*", pub.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("nosniff", pub.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", pub.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("default-src 'none'", pub.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(pub.Headers.Contains("Server"));
        Assert.Equal("application/jose", pub.Content.Headers.ContentType!.MediaType);

        var adm = node.Request(HttpMethod.Get, "/api/admin/submissions", node.EditorToken);
        adm.Headers.Add("Origin", "https://map.example.org");
        using var admin = await node.Http.SendAsync(adm);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.False(admin.Headers.Contains("Access-Control-Allow-Origin"));

        var vocab = await node.JsonAsync(HttpMethod.Get, "/api/vocabulary");
        Assert.Contains(vocab.GetProperty("areas").EnumerateArray(), a => a.GetProperty("code").GetString() == "deserters");
        var openApi = await node.JsonAsync(HttpMethod.Get, "/openapi/v1.json");
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/api/submissions", out _));
    }

    [Fact]
    public async Task Browse_filters_by_city_in_any_language_country_focus_and_language()
    {
        var id = await node.SubmitAndApproveAsync(Samples.Org("Tbilisi Helpers", city: "Tbilisi", country: "GE", focus: ["deserters"]));
        var byCyrillic = await node.JsonAsync(HttpMethod.Get, "/api/organisations?city=%D0%A2%D0%B1%D0%B8%D0%BB%D0%B8%D1%81%D0%B8");
        Assert.Contains(byCyrillic.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == id);
        var filtered = await node.JsonAsync(HttpMethod.Get, "/api/organisations?country=GE&focus=deserters&language=ru");
        Assert.Contains(filtered.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == id);
        var none = await node.JsonAsync(HttpMethod.Get, "/api/organisations?country=GE&focus=lgbtq");
        Assert.DoesNotContain(none.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == id);

        // Browsing shows the current version after an edit (parsed versions are cached by seq).
        await node.JsonAsync(HttpMethod.Put, $"/api/admin/organisations/{id}", node.EditorToken,
            Samples.Org("Tbilisi Helpers Renamed", city: "Tbilisi", country: "GE", focus: ["deserters"]));
        var renamed = await node.JsonAsync(HttpMethod.Get, "/api/organisations?country=GE&focus=deserters");
        var item = Assert.Single(renamed.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == id);
        Assert.Equal(2, item.GetProperty("seq").GetInt64());
        Assert.Contains("Tbilisi Helpers Renamed", item.GetProperty("org").ToString());
    }
}
