using System.Globalization;
using System.Text;
using System.Text.Json;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Atlas.Indexer.Tests.Peers;

/// <summary>An honest Atlas node speaking exactly the federation protocol (descriptor, keyset and its
/// history, head, change feed with until, listings) on 127.0.0.1, built with the protocol library. Hostile
/// tests bend it through <see cref="Intercept"/>, <see cref="HeadOverride"/>, <see cref="MutatePage"/> or by
/// signing their own objects with its keys. Reusable by other test projects.</summary>
public sealed class FakePeer : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly List<ChangeEntry> _log = [];
    private readonly Dictionary<string, (long Seq, string Jws, string Hash, ListingPayload Payload)> _latest = new(StringComparer.Ordinal);
    private readonly List<string> _keysets = [];
    private WebApplication? _app;

    private FakePeer(string nodeId, string name, TimeProvider time)
    {
        NodeId = nodeId;
        Name = name;
        Time = time;
        Roots = [AtlasKey.Generate()];
        Signing = AtlasKey.Generate();
        PublishKeyset(new KeysetPayload(nodeId, 1, Now, Now + 30 * 86_400, 1, Roots.Select(r => r.ToKeyEntry()).ToList(), [Signing.ToKeyEntry(KeyStatus.Current)], []), Roots);
    }

    public string NodeId { get; }
    public string Name { get; }
    public TimeProvider Time { get; }
    public List<AtlasKey> Roots { get; }
    public AtlasKey Root => Roots[0];
    /// <summary>The key new objects are signed with.</summary>
    public AtlasKey Signing { get; set; }
    public string BaseUrl { get; private set; } = "";
    public long FeedSeq { get; private set; }
    public TimeSpan HeadLifetime { get; set; } = TimeSpan.FromHours(1);
    public long KeysetVersion => _keysets.Count;
    public int Requests;

    /// <summary>Answers 503 to everything (the node is offline).</summary>
    public bool Offline { get; set; }
    /// <summary>Returns true when it handled the request itself.</summary>
    public Func<HttpContext, Task<bool>>? Intercept { get; set; }
    /// <summary>Served instead of a freshly signed head.</summary>
    public string? HeadOverride { get; set; }
    /// <summary>Rewrites a change page before it is served.</summary>
    public Func<ChangePage, ChangePage>? MutatePage { get; set; }

    private long Now => Time.GetUtcNow().ToUnixTimeSeconds();

    public static async Task<FakePeer> StartAsync(string nodeId, string? name = null, TimeProvider? time = null)
    {
        var peer = new FakePeer(nodeId, name ?? $"Atlas {nodeId}", time ?? TimeProvider.System);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Use(async (ctx, next) =>
        {
            Interlocked.Increment(ref peer.Requests);
            if (peer.Offline)
            {
                ctx.Response.StatusCode = 503;
                return;
            }
            if (peer.Intercept is { } intercept && await intercept(ctx))
            {
                return;
            }
            await next();
        });
        app.MapGet("/.well-known/atlas-node", () => Results.Text(peer.DescriptorJson(), "application/json"));
        app.MapGet("/atlas/v1/keyset", () => Results.Text(peer.KeysetJson(peer.KeysetVersion), "application/json"));
        app.MapGet("/atlas/v1/keyset/{version:long}", (long version) =>
            version >= 1 && version <= peer.KeysetVersion ? Results.Text(peer.KeysetJson(version), "application/json") : Results.NotFound());
        app.MapGet("/atlas/v1/head", () => Results.Text(peer.HeadOverride ?? peer.SignHead(), "application/jose"));
        app.MapGet("/atlas/v1/changes", (long? after, int? limit, long? until) =>
            Results.Text(JsonSerializer.Serialize(peer.Changes(after ?? 0, limit ?? 1000, until ?? peer.FeedSeq), ProtocolJsonContext.Default.ChangePage), "application/json"));
        app.MapGet("/atlas/v1/listings/{id}", (string id) =>
            peer.Latest(id) is { } jws ? Results.Text(jws, "application/jose") : Results.NotFound());
        await app.StartAsync();
        peer._app = app;
        peer.BaseUrl = app.Urls.First().TrimEnd('/');
        return peer;
    }

    public string DescriptorJson()
    {
        var b = BaseUrl;
        var d = new NodeDescriptor("atlas/1", NodeId, Name, b, "europe", "CC-BY-4.0", new NodeLinks(
            $"{b}/atlas/v1/keyset", $"{b}/atlas/v1/keyset/{{version}}", $"{b}/atlas/v1/head", $"{b}/atlas/v1/changes",
            $"{b}/atlas/v1/listings/{{id}}", $"{b}/atlas/v1/submissions", $"{b}/atlas/v1/organisations", $"{b}/atlas/v1/vocabulary", $"{b}/openapi/v1.json"));
        return JsonSerializer.Serialize(d, ProtocolJsonContext.Default.NodeDescriptor);
    }

    public string KeysetJson(long version)
    {
        lock (_gate)
        {
            return _keysets[(int)version - 1];
        }
    }

    /// <summary>Appends a keyset version signed by the given root keys (defaults: the current roots).</summary>
    public string PublishKeyset(KeysetPayload payload, IEnumerable<AtlasKey> signers)
    {
        var json = SignedObjects.SignKeyset(payload, signers);
        lock (_gate)
        {
            _keysets.Add(json);
        }
        return json;
    }

    /// <summary>Next keyset version: new signing keys, revocations, same roots unless given.</summary>
    public string RotateKeyset(IReadOnlyList<AtlasKey> signing, IReadOnlyList<string>? revoked = null, long? exp = null, IReadOnlyList<AtlasKey>? newRoots = null, IEnumerable<AtlasKey>? signers = null)
    {
        var roots = newRoots ?? Roots;
        var payload = new KeysetPayload(NodeId, KeysetVersion + 1, Now, exp ?? Now + 30 * 86_400, 1,
            roots.Select(r => r.ToKeyEntry()).ToList(),
            signing.Select((k, i) => k.ToKeyEntry(i == 0 ? KeyStatus.Current : KeyStatus.Retired)).ToList(),
            revoked ?? []);
        var json = PublishKeyset(payload, signers ?? Roots.Concat(newRoots ?? []).Distinct());
        if (newRoots is not null)
        {
            Roots.Clear();
            Roots.AddRange(newRoots);
        }
        Signing = signing[0];
        return json;
    }

    public string SignHead(long? feedSeq = null, string? root = null, long? exp = null, long? keysetVersion = null, AtlasKey? key = null)
    {
        lock (_gate)
        {
            var payload = new HeadPayload(NodeId, feedSeq ?? FeedSeq, Now, exp ?? Now + (long)HeadLifetime.TotalSeconds, keysetVersion ?? KeysetVersion,
                _latest.Count, root ?? CurrentRoot());
            return SignedObjects.SignHead(payload, key ?? Signing);
        }
    }

    public string CurrentRoot()
    {
        lock (_gate)
        {
            return HeadRoot.Compute(_latest.Select(kv => (kv.Key, kv.Value.Seq, kv.Value.Hash)));
        }
    }

    public ChangePage Changes(long after, int limit, long until)
    {
        List<ChangeEntry> entries;
        lock (_gate)
        {
            // Latest version per listing as of `until`, then only those after `after`.
            entries = _log.Where(e => e.FeedSeq <= until)
                .GroupBy(e => e.Id).Select(g => g.MaxBy(e => e.FeedSeq)!)
                .Where(e => e.FeedSeq > after).OrderBy(e => e.FeedSeq).ToList();
        }
        var page = entries.Take(limit).ToList();
        var next = entries.Count > limit ? page[^1].FeedSeq : (long?)null;
        var result = new ChangePage(NodeId, until, page, next);
        return MutatePage is { } mutate ? mutate(result) : result;
    }

    public string? Latest(string id)
    {
        lock (_gate)
        {
            return _latest.TryGetValue(id, out var l) ? l.Jws : null;
        }
    }

    public long SeqOf(string id)
    {
        lock (_gate)
        {
            return _latest[id].Seq;
        }
    }

    public ListingPayload PayloadOf(string id)
    {
        lock (_gate)
        {
            return _latest[id].Payload;
        }
    }

    /// <summary>Publishes a new organisation (seq 1); returns its listing id.</summary>
    public string Publish(Organisation org, string? id = null)
    {
        id ??= Guid.NewGuid().ToString("D");
        Append(new ListingPayload(NodeId, id, 1, null, Now, ListingStatus.Active, org));
        return id;
    }

    /// <summary>Publishes many organisations at once (for load and crash tests).</summary>
    public IReadOnlyList<string> PublishMany(int count, Func<int, Organisation> org) =>
        Enumerable.Range(0, count).Select(i => Publish(org(i))).ToList();

    public string Update(string id, Func<Organisation, Organisation> change)
    {
        var current = PayloadOf(id);
        Append(current with { Seq = current.Seq + 1, Prev = HashOfLatest(id), Iat = Now, Org = change(current.Org!) });
        return Latest(id)!;
    }

    /// <summary>Withdraws a listing: a tombstone with seq+1; returns the tombstone JWS.</summary>
    public string Withdraw(string id, bool publish = true)
    {
        var current = PayloadOf(id);
        var tombstone = new ListingPayload(NodeId, id, current.Seq + 1, HashOfLatest(id), Now, ListingStatus.Tombstone, null);
        return publish ? Append(tombstone) : SignedObjects.SignListing(tombstone, Signing);
    }

    /// <summary>Re-signs the latest version of every listing with the current signing key (after a rotation).</summary>
    public void ResignAll()
    {
        foreach (var id in _latest.Keys.ToList())
        {
            var p = PayloadOf(id);
            Append(p with { Seq = p.Seq + 1, Prev = HashOfLatest(id), Iat = Now });
        }
    }

    /// <summary>Signs and appends a version to the feed; the head will name it.</summary>
    public string Append(ListingPayload payload, AtlasKey? key = null) => AppendSigned(payload.Id, payload.Seq, SignedObjects.SignListing(payload, key ?? Signing));

    /// <summary>Appends an already signed (possibly hostile) version; the head names it as the latest.</summary>
    public string AppendSigned(string id, long seq, string jws)
    {
        lock (_gate)
        {
            FeedSeq++;
            _log.Add(new ChangeEntry(FeedSeq, id, seq, jws));
            ListingPayload payload;
            try
            {
                payload = JsonSerializer.Deserialize(Jws.ParseCompact(jws, JwsTypes.Listing, 1 << 20).Payload, ProtocolJsonContext.Default.ListingPayload)!;
            }
            catch (Exception)
            {
                payload = new ListingPayload(NodeId, id, seq, null, Now, ListingStatus.Active, null);
            }
            _latest[id] = (seq, jws, SignedObjects.HashOf(jws), payload);
        }
        return jws;
    }

    private string HashOfLatest(string id)
    {
        lock (_gate)
        {
            return _latest[id].Hash;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(cts.Token);
            await _app.DisposeAsync();
        }
    }

    public static string Today(TimeProvider? time = null, int addDays = 0) =>
        (time ?? TimeProvider.System).GetUtcNow().AddDays(addDays).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>Valid organisations for tests.</summary>
public static class Orgs
{
    public static readonly (string City, string Country, double Lat, double Lon)[] Cities =
    [
        ("Berlin", "DE", 52.52, 13.40), ("Tbilisi", "GE", 41.72, 44.79), ("Yerevan", "AM", 40.18, 44.51), ("Paris", "FR", 48.86, 2.35),
    ];

    /// <summary>The same organisation with " <paramref name="mark"/>." appended to its English description (a test tells
    /// versions apart by it in search).</summary>
    public static Organisation Edited(Organisation org, string mark) =>
        org with { Description = new Dictionary<string, string> { ["en"] = $"{org.Description["en"]} {mark}." } };

    public static Organisation Make(string name, int cityCount = 1, string email = "help@example.org", IReadOnlyList<string>? relatedTo = null, TimeProvider? time = null) => new(
        Name: new Dictionary<string, string> { ["en"] = name },
        Description: new Dictionary<string, string> { ["en"] = $"{name} helps people who left." },
        Focus: ["legal-aid"],
        Languages: ["ru", "en"],
        Locations: Cities.Take(cityCount).Select(c => new Location("physical", c.City, c.Country, c.Lat, c.Lon, "city", null, null)).ToList(),
        Contacts: [new Contact("email", email, null, false)],
        Website: "https://example.org",
        Channels: [],
        Relationships: (relatedTo ?? []).Select(t => new Relationship("partner_of", t)).ToList(),
        Status: "active",
        Scope: "local",
        LastConfirmed: FakePeer.Today(time),
        ReviewBy: FakePeer.Today(time, 365));

    public static string Encode(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
}
