using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Atlas.Hosting;

/// <summary>
/// Request body limits, one way in both hosts, enforced before authentication and before the route runs (a body is
/// refused for its size whoever sends it, so no route, signed in or not, drains Kestrel's 30 MB default):
/// <list type="bullet">
/// <item>A route that reads no request body accepts none beyond a few bytes (<see cref="BodylessMaxBytes"/>: room for the
/// <c>{}</c> some clients send with every POST): a larger or a chunked body is a 413 problem. A route reads a body when
/// it declares one (<c>.Accepts&lt;T&gt;()</c> or a [FromBody] parameter: <see cref="IAcceptsMetadata"/>); the OpenAPI
/// document lists the 413 of the others (<see cref="OpenApiDefaults"/>), from the same predicate.</item>
/// <item>A route that reads one accepts at most the host's limit: a larger declared length is a 413 problem at once; a
/// chunked body (length unknown up front) is read into memory up to the limit before the route runs, and is a 413
/// problem beyond it. The handlers' own capped readers stay as the second line.</item>
/// </list>
/// </summary>
public static class RequestBodyLimits
{
    public const int BodylessMaxBytes = 16;

    public static bool ReadsNoBody(IEnumerable<object> endpointMetadata) =>
        !endpointMetadata.OfType<IAcceptsMetadata>().Any();

    /// <summary>More than <see cref="BodylessMaxBytes"/> declared, or a chunked body of unknown length.</summary>
    public static bool HasBody(HttpRequest request) =>
        request.ContentLength > BodylessMaxBytes || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    /// <summary>After <see cref="HttpDefaults.UseHttpDefaults"/> (the refusal is problem details with the security
    /// headers) and before authentication. <paramref name="maxBodyBytes"/>: the limit of routes that read a body, or
    /// null when each of the host's routes caps its own body (the indexer: one cap per signed object type).</summary>
    public static IApplicationBuilder UseRequestBodyLimits(this IApplicationBuilder app, int? maxBodyBytes) =>
        app.Use(async (http, next) =>
        {
            // A RouteEndpoint only: routing's own 405 and 415 endpoints (a route exists, but not for this method or
            // content type) carry no metadata and must keep their answer.
            if (http.GetEndpoint() is RouteEndpoint endpoint)
            {
                var request = http.Request;
                if (ReadsNoBody(endpoint.Metadata))
                {
                    if (HasBody(request))
                    {
                        await RefuseAsync(http, "Request body not accepted", "This route reads no request body; send the request without one.");
                        return;
                    }
                    SetLimit(http, BodylessMaxBytes);
                }
                else if (maxBodyBytes is { } max)
                {
                    if (request.ContentLength > max)
                    {
                        await RefuseAsync(http, "Request body too large", $"The body is limited to {max / 1024} KB.");
                        return;
                    }
                    if (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0)
                    {
                        var buffered = await CappedRead.ReadAsync(request.Body, max, http.RequestAborted);
                        if (buffered is null)
                        {
                            await RefuseAsync(http, "Request body too large", $"The body is limited to {max / 1024} KB.");
                            return;
                        }
                        request.Body = buffered;
                    }
                    SetLimit(http, max);
                }
            }

            await next(http);
        });

    private static void SetLimit(HttpContext http, long max)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max;
        }
    }

    private static Task RefuseAsync(HttpContext http, string title, string detail)
    {
        http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        http.Response.Headers.Connection = "close";
        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = StatusCodes.Status413PayloadTooLarge, Title = title, Detail = detail },
        }).AsTask();
    }
}
