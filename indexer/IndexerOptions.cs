using System.Text.RegularExpressions;

namespace Atlas.Indexer;

/// <summary>Operator configuration, bound from the <c>Indexer</c> section (env <c>Indexer__Database</c>, …)
/// and validated on start so a typo fails loudly instead of indexing into the wrong place.</summary>
public sealed partial class IndexerOptions
{
    public const string Section = "Indexer";

    public string Database { get; set; } = "atlas-indexer.db";
    public string MeilisearchUrl { get; set; } = "http://127.0.0.1:7700";
    public string? MeilisearchKey { get; set; }
    /// <summary>Preferred over <see cref="MeilisearchKey"/> in production: keeps the master key out of the environment.</summary>
    public string? MeilisearchKeyFile { get; set; }
    public string Index { get; set; } = "organisations";
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(2);
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>One HTTP request to a peer (headers and body together).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>One whole sync pass of one peer.</summary>
    public TimeSpan PeerTimeout { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(30);
    public TimeSpan MeilisearchTaskTimeout { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>A change of public contacts is held back this long (attack 3: contact tampering with a stolen key).</summary>
    public TimeSpan ContactCoolOff { get; set; } = TimeSpan.FromHours(48);
    /// <summary>New organisations accepted per node per 24 h; the excess is quarantined (attack 2: honeypot floods).</summary>
    public int MaxNewOrganisationsPerNodePerDay { get; set; } = 200;
    public int MaxPagesPerPass { get; set; } = 1000;
    public int MaxKeysetSteps { get; set; } = 64;
    public int FlushBatchSize { get; set; } = 5000;
    public int MaxConcurrentPeers { get; set; } = 4;
    public int PushPermitsPerMinute { get; set; } = 120;
    /// <summary>Base URLs of the other indexers of this region (scaling out): every verified push is forwarded to
    /// them. Blank entries are ignored (compose passes an empty value when there is no second pair).</summary>
    public List<string> Siblings { get; set; } = [];

    public IReadOnlyList<Uri> SiblingUrls() =>
        [.. Siblings.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => new Uri(s.Trim().TrimEnd('/') + "/"))];

    public string? ResolveMeilisearchKey() =>
        !string.IsNullOrEmpty(MeilisearchKey) ? MeilisearchKey
        : !string.IsNullOrEmpty(MeilisearchKeyFile) ? File.ReadAllText(MeilisearchKeyFile).Trim()
        : null;

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Database))
        {
            yield return "Indexer:Database is required.";
        }
        if (!Uri.TryCreate(MeilisearchUrl, UriKind.Absolute, out var m) || m.Scheme is not ("http" or "https"))
        {
            yield return $"Indexer:MeilisearchUrl '{MeilisearchUrl}' is not an absolute http(s) URL.";
        }
        if (!string.IsNullOrEmpty(MeilisearchKeyFile) && !File.Exists(MeilisearchKeyFile))
        {
            yield return $"Indexer:MeilisearchKeyFile '{MeilisearchKeyFile}' does not exist.";
        }
        foreach (var sibling in Siblings.Where(s => !string.IsNullOrWhiteSpace(s)))
        {
            if (!Uri.TryCreate(sibling.Trim(), UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
            {
                yield return $"Indexer:Siblings '{sibling}' is not an absolute http(s) URL.";
            }
        }
        if (!IndexUidRegex().IsMatch(Index))
        {
            yield return $"Indexer:Index '{Index}' is not a valid index uid ([A-Za-z0-9_-], 1–200).";
        }
        foreach (var (name, value) in new[]
        {
            (nameof(PollInterval), PollInterval), (nameof(FlushInterval), FlushInterval), (nameof(RequestTimeout), RequestTimeout),
            (nameof(PeerTimeout), PeerTimeout), (nameof(MaxBackoff), MaxBackoff), (nameof(MeilisearchTaskTimeout), MeilisearchTaskTimeout),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return $"Indexer:{name} must be positive.";
            }
        }
        if (ContactCoolOff < TimeSpan.Zero)
        {
            yield return "Indexer:ContactCoolOff must not be negative.";
        }
        foreach (var (name, value) in new[]
        {
            (nameof(MaxNewOrganisationsPerNodePerDay), MaxNewOrganisationsPerNodePerDay), (nameof(MaxPagesPerPass), MaxPagesPerPass),
            (nameof(MaxKeysetSteps), MaxKeysetSteps), (nameof(FlushBatchSize), FlushBatchSize), (nameof(MaxConcurrentPeers), MaxConcurrentPeers),
            (nameof(PushPermitsPerMinute), PushPermitsPerMinute),
        })
        {
            if (value < 1)
            {
                yield return $"Indexer:{name} must be at least 1.";
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,200}$")]
    private static partial Regex IndexUidRegex();
}
