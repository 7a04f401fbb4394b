using System.Security.Cryptography;
using System.Text;

namespace Atlas.Api.EditorConsole;

/// <summary>Pure checks that a state-changing console request comes from the console itself: the Origin header
/// (or, when a browser sends none, Sec-Fetch-Site) must name the console's origin, and a signed-in request must
/// carry the session's synchronizer token in <see cref="HeaderName"/>. A cross-site form post has a foreign
/// Origin and cannot set a header; a script elsewhere cannot read the token.</summary>
public static class RequestOrigin
{
    public const string HeaderName = "X-CSRF-Token";

    public static bool IsSafeMethod(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    /// <summary>Why the request is refused, or null to let it through.</summary>
    public static string? Refusal(string method, string? origin, string? fetchSite, string expectedOrigin, string? sessionCsrf, string? headerCsrf)
    {
        if (IsSafeMethod(method))
        {
            return null;
        }
        if (!string.IsNullOrEmpty(origin))
        {
            if (!string.Equals(origin, expectedOrigin, StringComparison.OrdinalIgnoreCase))
            {
                return "The request came from another site.";
            }
        }
        else if (fetchSite != "same-origin")
        {
            return "The request did not say which site it came from.";
        }
        if (sessionCsrf is not null && (headerCsrf is null
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sessionCsrf), Encoding.UTF8.GetBytes(headerCsrf))))
        {
            return $"The request lacks the session's {HeaderName} header.";
        }
        return null;
    }
}

/// <summary>Applies <see cref="RequestOrigin.Refusal"/> to every console route (403 problem on refusal).</summary>
public sealed class RequestOriginFilter(ConsoleSite site) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var sessionCsrf = http.User.Identity is { IsAuthenticated: true, AuthenticationType: ConsoleSessionHandler.SchemeName }
            ? http.User.FindFirst(ConsoleSessionHandler.CsrfClaim)?.Value
            : null;
        var refusal = RequestOrigin.Refusal(http.Request.Method, http.Request.Headers.Origin.ToString(), http.Request.Headers["Sec-Fetch-Site"].ToString() is { Length: > 0 } s ? s : null,
            site.Origin, sessionCsrf, http.Request.Headers[RequestOrigin.HeaderName].ToString() is { Length: > 0 } h ? h : null);
        return refusal is null ? await next(context) : TypedResults.Problem(statusCode: 403, title: "Refused", detail: refusal);
    }
}
