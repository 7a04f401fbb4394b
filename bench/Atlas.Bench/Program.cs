using System.Diagnostics;
using System.Text.Json;
using Atlas.Protocol;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Atlas.Protocol.Verification;

// usage: Atlas.Bench verify DIR [--repeat N]
// DIR holds one sub-folder per node with keyset.json, root-kid.txt and page-*.json (change pages as served).
// Measures, single-threaded, what the indexer does per listing before touching its database:
// strict parse of the pages, ES256 verification + strict payload parse + shape rules (SignedObjects.VerifyListing),
// and the head-root hash over all listings. Prints one JSON object.
if (args is not ["verify", var dir, ..])
{
    Console.Error.WriteLine("usage: Atlas.Bench verify DIR [--repeat N]");
    return 2;
}
var repeat = args.Length >= 4 && args[2] == "--repeat" ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 3;
var now = DateTimeOffset.UtcNow;
var nodes = Directory.GetDirectories(dir).Order(StringComparer.Ordinal).ToList();
var pages = nodes.Select(n => (
    Keyset: KeysetVerifier.VerifyFirst(File.ReadAllText(Path.Combine(n, "keyset.json")), File.ReadAllText(Path.Combine(n, "root-kid.txt")).Trim(), now),
    Pages: Directory.GetFiles(n, "page-*.json").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList())).ToList();
var bytes = pages.Sum(p => p.Pages.Sum(b => (long)b.Length));

var best = (Parse: double.MaxValue, Verify: double.MaxValue, Root: double.MaxValue);
var listings = 0;
for (var r = 0; r < repeat; r++)
{
    var sw = Stopwatch.StartNew();
    var parsed = pages.Select(p => (p.Keyset, Pages: p.Pages.Select(b => StrictJson.Parse(b, ProtocolJsonContext.Default.ChangePage, ProtocolLimits.MaxChangePageBytes)).ToList())).ToList();
    var parse = sw.Elapsed.TotalSeconds;
    sw.Restart();
    var verified = new List<VerifiedListing>();
    foreach (var (keyset, ps) in parsed)
    {
        foreach (var e in ps.SelectMany(p => p.Entries))
        {
            verified.Add(SignedObjects.VerifyListing(e.Jws, keyset, e.Id));
        }
    }
    var verify = sw.Elapsed.TotalSeconds;
    sw.Restart();
    foreach (var g in verified.GroupBy(v => v.Payload.Iss))
    {
        _ = HeadRoot.Compute(g.Select(v => (v.Payload.Id, v.Payload.Seq, v.Hash)).ToList());
    }
    var root = sw.Elapsed.TotalSeconds;
    listings = verified.Count;
    best = (Math.Min(best.Parse, parse), Math.Min(best.Verify, verify), Math.Min(best.Root, root));
}
Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["nodes"] = nodes.Count,
    ["listings"] = listings,
    ["page_bytes"] = bytes,
    ["repeat"] = repeat,
    ["best_of_repeat_seconds"] = new Dictionary<string, double> { ["parse_pages"] = best.Parse, ["verify_listings"] = best.Verify, ["head_root"] = best.Root },
    ["per_listing_microseconds"] = new Dictionary<string, double>
    {
        ["parse_pages"] = best.Parse / listings * 1e6, ["verify_listings"] = best.Verify / listings * 1e6, ["head_root"] = best.Root / listings * 1e6,
    },
}));
return 0;
