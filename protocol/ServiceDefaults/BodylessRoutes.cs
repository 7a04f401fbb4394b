using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Atlas.Hosting;

/// <summary>
/// A route that reads no request body accepts none beyond a few bytes (<see cref="MaxBytes"/>: room for the
/// <c>{}</c> some clients send with every POST): a request to it with a larger or a chunked body is refused with 413
/// and problem details before the route runs, instead of Kestrel's 30 MB default being drained. A route reads a body when it declares one (<c>.Accepts&lt;T&gt;()</c> or a [FromBody]
/// parameter: <see cref="IAcceptsMetadata"/>); the OpenAPI document lists the 413 of the others
/// (<see cref="OpenApiDefaults"/>), from the same predicate.
/// </summary>
public static class BodylessRoutes
{
    public const int MaxBytes = 16;

    public static bool ReadsNoBody(IEnumerable<object> endpointMetadata) =>
        !endpointMetadata.OfType<IAcceptsMetadata>().Any();

    /// <summary>More than <see cref="MaxBytes"/> declared, or a chunked body of unknown length.</summary>
    public static bool HasBody(HttpRequest request) =>
        request.ContentLength > MaxBytes || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    /// <summary>After authentication and authorization (a request without a valid token is a 401 whatever it sends)
    /// and after <see cref="HttpDefaults.UseHttpDefaults"/> (the refusal is problem details with the security headers).</summary>
    public static IApplicationBuilder UseBodylessRoutes(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            // A RouteEndpoint only: routing's own 405 and 415 endpoints (a route exists, but not for this method or
            // content type) carry no metadata and must keep their answer.
            if (http.GetEndpoint() is RouteEndpoint endpoint && ReadsNoBody(endpoint.Metadata))
            {
                if (HasBody(http.Request))
                {
                    http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                    http.Response.Headers.Connection = "close";
                    await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                    {
                        HttpContext = http,
                        ProblemDetails =
                        {
                            Status = StatusCodes.Status413PayloadTooLarge,
                            Title = "Request body not accepted",
                            Detail = "This route reads no request body; send the request without one.",
                        },
                    });
                    return;
                }

                if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                {
                    limit.MaxRequestBodySize = MaxBytes;
                }
            }

            await next(http);
        });
}
