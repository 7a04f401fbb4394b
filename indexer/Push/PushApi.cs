using System.Threading.RateLimiting;
using Atlas.Hosting;
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

    public static async Task<Results<Accepted<PushAnswer>, ProblemHttpResult>> Notify(HttpRequest request, PushHandler handler, SiblingForwarder siblings, CancellationToken ct)
    {
        var body = await ReadCapped(request, ProtocolLimits.MaxHeadBytes, ct);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        try
        {
            var answer = handler.Notify(body.Text!);
            siblings.Forward(request, "atlas/v1/notify", body.Text!);
            return TypedResults.Accepted((string?)null, new PushAnswer(answer));
        }
        catch (ProtocolException e)
        {
            return Bad(e.Error.ToString(), e.Message);
        }
    }

    public static async Task<Results<Accepted<PushAnswer>, ProblemHttpResult>> Relay(HttpRequest request, PushHandler handler, SiblingForwarder siblings, CancellationToken ct)
    {
        var body = await ReadCapped(request, ProtocolLimits.MaxListingBytes, ct);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        try
        {
            var answer = await handler.RelayAsync(body.Text!, ct);
            siblings.Forward(request, "atlas/v1/relay", body.Text!);
            return TypedResults.Accepted((string?)null, new PushAnswer(answer));
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
        using var body = await CappedRead.ReadAsync(request.Body, maxBytes, ct);
        return body is null
            ? (null, Bad(ProtocolError.TooLarge.ToString(), $"The body exceeds {maxBytes} bytes."))
            : (System.Text.Encoding.ASCII.GetString(body.GetBuffer(), 0, (int)body.Length).Trim(), null);
    }

    private static ProblemHttpResult Bad(string reason, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Refused", extensions: new Dictionary<string, object?> { ["reason"] = reason });
}

public sealed record PushAnswer(string Result);
