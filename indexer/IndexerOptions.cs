using System.ComponentModel.DataAnnotations;
using Atlas.Hosting;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer;

/// <summary>Operator configuration, bound from the <c>Indexer</c> section (env <c>Indexer__Database</c>, …)
/// and validated on start (<see cref="IndexerOptionsValidator"/>, source-generated from the attributes) so a typo
/// fails loudly instead of indexing into the wrong place. Every message names the setting.</summary>
public sealed class IndexerOptions
{
    public const string Section = "Indexer";

    [Required(ErrorMessage = "Indexer:Database is required.")]
    public string Database { get; set; } = "atlas-indexer.db";
    [HttpUrl("Indexer:MeilisearchUrl '{0}' is not an absolute http(s) URL.")]
    public string MeilisearchUrl { get; set; } = "http://127.0.0.1:7700";
    public string? MeilisearchKey { get; set; }
    /// <summary>Preferred over <see cref="MeilisearchKey"/> in production: keeps the master key out of the environment.</summary>
    [ExistingFile("Indexer:MeilisearchKeyFile '{0}' does not exist.")]
    public string? MeilisearchKeyFile { get; set; }
    [RegularExpression("^[A-Za-z0-9_-]{1,200}$", ErrorMessage = "Indexer:Index is not a valid index uid ([A-Za-z0-9_-], 1–200).")]
    public string Index { get; set; } = "organisations";
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>Fallback only: every commit that queues search changes wakes the flusher and the removal lane at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>One HTTP request to a peer (headers and body together).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>One whole sync pass of one peer.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan PeerTimeout { get; set; } = TimeSpan.FromMinutes(5);
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(30);
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan MeilisearchTaskTimeout { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>A change of public contacts is held back this long (attack 3: contact tampering with a stolen key).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan ContactCoolOff { get; set; } = TimeSpan.FromHours(48);
    /// <summary>New organisations accepted per node per 24 h; the excess is quarantined (attack 2: honeypot floods).</summary>
    [Range(1, int.MaxValue)]
    public int MaxNewOrganisationsPerNodePerDay { get; set; } = 200;
    [Range(1, int.MaxValue)]
    public int MaxPagesPerPass { get; set; } = 1000;
    [Range(1, int.MaxValue)]
    public int MaxKeysetSteps { get; set; } = 64;
    /// <summary>Listings per flush: bounds one documents task (a takedown cancels it rather than waiting for it, and the
    /// flush is replayed) and the memory of one flush (its documents built, then one JSON body per index). 2500, not
    /// 5000: a first sync of 100,000 listings from 10 nodes peaked at 332-362 MB RSS instead of 399-438 MB, at the same
    /// wall time within noise (docs/performance.md §12.8).</summary>
    [Range(1, int.MaxValue)]
    public int FlushBatchSize { get; set; } = 2500;
    /// <summary>Flushes queued in Meilisearch ahead of the one being waited for while the outbox holds more than one
    /// batch (1 = each flush waits for its tasks before the next is read). The next batch is read and built while
    /// Meilisearch indexes the previous one, and Meilisearch merges queued writes of the same index into one batch;
    /// the outbox is still completed one flush at a time, in order. The indexer holds only ids and counts of a queued
    /// flush, never its documents.</summary>
    [Range(1, 64)]
    public int FlushPipelineDepth { get; set; } = 4;
    /// <summary>Withdrawn listings filtered out at search time by the tenant token (docs/architecture.md "Search-time
    /// exclusion"), at most (≈ 80 bytes of token each; the signed index's facet-value cap of 100 bounds it). Beyond it,
    /// or at 0, the removal lane deletes at once and cancels the flusher's batch in flight.</summary>
    [Range(0, 100)]
    public int MaxExcludedListings { get; set; } = 100;
    /// <summary>Listings at most in the recent index at once (docs/architecture.md "The recent index"): a flush of at
    /// most this many listings shown writes them to the tiny recent index first and search shows them from there within
    /// ≈ 0.1 s of that write, instead of after the seconds one write to a 100,000-document index costs. Each travels
    /// twice in the tenant token (≈ 90 bytes). 0 turns the recent index off.</summary>
    [Range(0, 100)]
    public int RecentIndexCapacity { get; set; } = 50;
    /// <summary>The flush worker holds back the organisations index's write of small flushes shown from the recent
    /// index until the outbox has been quiet this long (or half the recent index is taken, or
    /// <see cref="OrganisationsWriteMaxHold"/> passed), then queues them as one write: that write costs the same for 1
    /// or 25 listings, and while it runs Meilisearch runs nothing else, so the next edit's recent write would wait for
    /// it (docs/performance.md §14). 0 queues each flush's write at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan OrganisationsWriteQuietGap { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>At most this long between a held flush's recent write and its organisations write.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan OrganisationsWriteMaxHold { get; set; } = TimeSpan.FromSeconds(10);
    [Range(1, int.MaxValue)]
    public int MaxConcurrentPeers { get; set; } = 4;
    [Range(1, int.MaxValue)]
    public int PushPermitsPerMinute { get; set; } = 120;
    /// <summary>Base URLs of the other indexers of this region (scaling out): every verified push is forwarded to
    /// them. Blank entries are ignored (compose passes an empty value when there is no second pair).</summary>
    [HttpUrl("Indexer:Siblings '{0}' is not an absolute http(s) URL.", AllowBlank = true)]
    public List<string> Siblings { get; set; } = [];

    public IReadOnlyList<Uri> SiblingUrls() =>
        [.. Siblings.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => new Uri(s.Trim().TrimEnd('/') + "/"))];

    public string? ResolveMeilisearchKey() =>
        !string.IsNullOrEmpty(MeilisearchKey) ? MeilisearchKey
        : !string.IsNullOrEmpty(MeilisearchKeyFile) ? File.ReadAllText(MeilisearchKeyFile).Trim()
        : null;

}

/// <summary>Generated from the data annotations of <see cref="IndexerOptions"/>.</summary>
[OptionsValidator]
public sealed partial class IndexerOptionsValidator : IValidateOptions<IndexerOptions>;
