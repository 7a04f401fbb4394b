using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Atlas.Api.Signing;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Dapper;
using Microsoft.Extensions.Options;

namespace Atlas.Api.Federation;

public sealed record SignedHead(string Jws, long FeedSeq, long KeysetVersion, long Exp);

/// <summary>Keeps one signed feed head in memory and re-signs it when the feed or keyset changed (also
/// changes made by the CLI in another process) or when half its lifetime has passed. Every new feed
/// state is pushed to the configured indexers, with tombstones relayed on their own.</summary>
public sealed partial class HeadService(NodeStore store, KeyStore keys, NotifyQueue notify, IOptions<NodeOptions> options, ILogger<HeadService> logger)
{
    private readonly Lock _lock = new();
    private SignedHead? _current;

    public SignedHead Current() => Update();

    public SignedHead Update()
    {
        lock (_lock)
        {
            using var conn = store.Open();
            using var tx = conn.BeginTransaction(deferred: true);
            var (feedSeq, keysetVersion) = conn.QuerySingle<(long, long)>(
                "SELECT (SELECT coalesce(max(feed_seq), 0) FROM listing_versions), (SELECT max(version) FROM keysets)", transaction: tx);
            var now = store.Time.GetUtcNow();
            var lifetime = TimeSpan.FromHours(options.Value.HeadLifetimeHours);
            var previous = _current;
            if (previous is not null && previous.FeedSeq == feedSeq && previous.KeysetVersion == keysetVersion
                && previous.Exp - now.ToUnixTimeSeconds() > lifetime.TotalSeconds / 2)
            {
                return previous;
            }
            var identity = NodeIdentity.Load(conn, tx);
            var entries = conn.Query<(string Id, long Seq, string Hash)>("SELECT id, seq, hash FROM listings WHERE feed_seq <= @feedSeq", new { feedSeq }, tx).ToList();
            var payload = new HeadPayload(identity.NodeId, feedSeq, now.ToUnixTimeSeconds(), now.Add(lifetime).ToUnixTimeSeconds(), keysetVersion, entries.Count, HeadRoot.Compute(entries));
            var jws = SignedObjects.SignHead(payload, keys.CurrentSigningKey(conn, tx));
            NodeTelemetry.SignaturesMade.Add(1, new KeyValuePair<string, object?>("typ", JwsTypes.Head));
            _current = new SignedHead(jws, feedSeq, keysetVersion, payload.Exp);
            if (previous is null || previous.FeedSeq != feedSeq || previous.KeysetVersion != keysetVersion)
            {
                var tombstones = previous is null
                    ? []
                    : conn.Query<string>("""
                        SELECT v.jws FROM listing_versions v JOIN listings l ON l.id = v.id AND l.seq = v.seq
                        WHERE l.status = 'tombstone' AND v.feed_seq > @from AND v.feed_seq <= @to
                        """, new { from = previous.FeedSeq, to = feedSeq }, tx).ToList();
                notify.Publish(jws, tombstones);
                LogHeadSigned(logger, feedSeq, keysetVersion);
            }
            return _current;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Signed feed head at feed_seq {FeedSeq} (keyset version {KeysetVersion})")]
    private static partial void LogHeadSigned(ILogger logger, long feedSeq, long keysetVersion);
}
