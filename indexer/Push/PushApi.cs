using System.Threading.RateLimiting;
using Atlas.Indexer.Peers;
using Atlas.Indexer.State;
using Atlas.Indexer.Sync;
using Atlas.Indexer.Telemetry;
using Atlas.Protocol;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Push;

/// <summary>Push endpoints. Nothing unsigned is trusted: a pushed head only schedules a sync of the peer
/// whose stored keyset verifies it; a relayed tombstone must verify with its owning node's keyset.</summary>
public static class PushApi
{
    public const string RateLimitPolicy = "push";
    public const string JoseContentType = "application/jose";

    public static IServiceCollection AddPushRateLimiting(this IServiceCollection services) =>
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = http.RequestServices.GetRequiredService<IOptions<IndexerOptions>>().Value.PushPermitsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
        });

    public static IEndpointRouteBuilder MapPush(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/atlas/v1").RequireRateLimiting(RateLimitPolicy).WithTags("Push")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapPost("/notify", Notify).WithName("Notify").WithSummary("A node announces its new signed feed head (compact JWS, application/jose).")
            .Accepts<string>(JoseContentType);
        group.MapPost("/relay", Relay).WithName("Relay").WithSummary("Anyone relays a signed tombstone; applied at once if it verifies with the owning node's keyset.")
            .Accepts<string>(JoseContentType);
        return app;
    }

    public static async Task<Results<Accepted<PushAnswer>, ProblemHttpResult>> Notify(HttpRequest request, PushHandler handler, CancellationToken ct)
    {
        var body = await ReadCapped(request, ProtocolLimits.MaxHeadBytes, ct);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        try
        {
            return TypedResults.Accepted((string?)null, new PushAnswer(handler.Notify(body.Text!)));
        }
        catch (ProtocolException e)
        {
            return Bad(e.Error.ToString(), e.Message);
        }
    }

    public static async Task<Results<Accepted<PushAnswer>, ProblemHttpResult>> Relay(HttpRequest request, PushHandler handler, CancellationToken ct)
    {
        var body = await ReadCapped(request, ProtocolLimits.MaxListingBytes, ct);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        try
        {
            return TypedResults.Accepted((string?)null, new PushAnswer(await handler.RelayAsync(body.Text!, ct)));
        }
        catch (ProtocolException e)
        {
            return Bad(e.Error.ToString(), e.Message);
        }
    }

    private static async Task<(string? Text, ProblemHttpResult? Problem)> ReadCapped(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (request.ContentType?.Split(';')[0].Trim() is not JoseContentType)
        {
            return (null, Bad("WrongType", $"Send the compact JWS as {JoseContentType}."));
        }
        // Read at most cap+1 bytes whatever Content-Length says.
        var buffer = new byte[maxBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(total), ct)) > 0)
        {
            total += read;
        }
        if (total > maxBytes)
        {
            return (null, Bad(ProtocolError.TooLarge.ToString(), $"The body exceeds {maxBytes} bytes."));
        }
        return (System.Text.Encoding.ASCII.GetString(buffer, 0, total).Trim(), null);
    }

    private static ProblemHttpResult Bad(string reason, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Refused", extensions: new Dictionary<string, object?> { ["reason"] = reason });
}

public sealed record PushAnswer(string Result);

public sealed partial class PushHandler(
    StateStore store,
    KeysetCache keysets,
    NodeLocks locks,
    SyncSignal syncSignal,
    FlushSignal flushSignal,
    TimeProvider time,
    ILogger<PushHandler> logger)
{
    public string Notify(string compact)
    {
        var part = Jws.ParseCompact(compact, JwsTypes.Head, ProtocolLimits.MaxHeadBytes);
        var (peer, keyset) = keysets.FindByKid(part.Header.Kid)
            ?? throw new ProtocolException(ProtocolError.UnknownKey, "No configured peer has signed with this key.");
        var head = SignedObjects.VerifyHead(compact, keyset, time.GetUtcNow()).Payload;
        if (peer.HeadFeedSeq == head.FeedSeq && peer.HeadRoot != head.Root)
        {
            var message = $"Split view: '{head.Iss}' pushed feed_seq {head.FeedSeq} with root {head.Root}; we hold {peer.HeadRoot}.";
            store.RaiseAlert(new NewAlert(AlertKinds.SplitView, head.Iss, null, message));
            LogSplitView(head.Iss, head.FeedSeq);
            return "split view recorded";
        }
        if (head.FeedSeq > (peer.HeadFeedSeq ?? -1))
        {
            store.ScheduleNow(peer.Id);
            syncSignal.Signal.Set();
            return "sync scheduled";
        }
        return "already current";
    }

    /// <summary>Attack 7: a takedown reaches search while its origin is offline. Attack 9: a tombstone for
    /// A's listing signed by B does not verify as A's and is refused.</summary>
    public async Task<string> RelayAsync(string compact, CancellationToken ct)
    {
        var part = Jws.ParseCompact(compact, JwsTypes.Listing, ProtocolLimits.MaxListingBytes);
        var (_, keyset) = keysets.FindByKid(part.Header.Kid)
            ?? throw new ProtocolException(ProtocolError.UnknownKey, "No configured peer has signed with this key.");
        var v = SignedObjects.VerifyListing(compact, keyset);
        if (!v.IsTombstone)
        {
            throw new ProtocolException(ProtocolError.Invalid, "Only tombstones are relayed; new versions come from the node's feed.");
        }
        var node = keyset.Iss;
        var id = v.Payload.Id;
        using (await locks.AcquireAsync(node, ct))
        {
            ListingRow? row;
            using (var c = store.Open())
            {
                var owner = StateStore.OwnerOf(c, id);
                if (owner is null)
                {
                    return "unknown listing; nothing to withdraw";
                }
                if (owner != node)
                {
                    IndexerTelemetry.ListingsRejected.Add(1, new KeyValuePair<string, object?>("reason", ProtocolError.WrongIssuer.ToString()));
                    store.AddEvidence(new Evidence(node, id, v.Payload.Seq, ProtocolError.WrongIssuer.ToString(), $"tombstone for a listing of '{owner}'", compact));
                    throw new ProtocolException(ProtocolError.WrongIssuer, $"Listing {id} belongs to '{owner}'; only it can withdraw it.");
                }
                row = StateStore.GetRow(c, node, id)!;
            }
            if (v.Payload.Seq <= row.Seq)
            {
                if (v.Payload.Seq == row.Seq && v.Hash != row.Hash)
                {
                    store.AddEvidence(new Evidence(node, id, row.Seq, ProtocolError.Equivocation.ToString(), "version already held", row.Jws));
                    store.AddEvidence(new Evidence(node, id, v.Payload.Seq, ProtocolError.Equivocation.ToString(), "relayed tombstone", compact));
                    store.RaiseAlert(new NewAlert(AlertKinds.Equivocation, node, id, $"Node '{node}' signed two different versions with seq {row.Seq}: its key may be compromised."));
                }
                return "already applied";
            }
            if (v.Payload.Seq - row.Seq > ProtocolLimits.MaxSeqStep)
            {
                throw new ProtocolException(ProtocolError.FastForward, $"seq jumps from {row.Seq} to {v.Payload.Seq}.");
            }
            row.Seq = v.Payload.Seq;
            row.Hash = v.Hash;
            row.Jws = v.Jws;
            row.Kid = v.Kid;
            row.Status = v.Payload.Status;
            row.State = row.State == ListingState.Conflict ? ListingState.Conflict : ListingState.Tombstone;
            row.Reason = "relayed tombstone";
            row.VerifiedAt = store.Now;
            store.ApplyTombstone(row);
        }
        flushSignal.Signal.Set();
        LogRelayed(node, id);
        return "withdrawn";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Split view pushed by {Node} at feed_seq {FeedSeq}")]
    private partial void LogSplitView(string node, long feedSeq);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relayed tombstone applied: {Node}/{ListingId}")]
    private partial void LogRelayed(string node, string listingId);
}
