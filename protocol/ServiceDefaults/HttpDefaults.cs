using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Atlas.Hosting;

/// <summary>
/// The HTTP surface both services share: every error is problem details (unexpected exceptions a plain 500 with the
/// details only in the log; a client's bad request, such as a query parameter that does not bind, a 400 whose
/// detail names the parameter), and every answer carries the security headers. Each host then calls <see cref="RequestBodyLimits.UseRequestBodyLimits"/>
/// before its authentication (a body is refused for its size whoever sends it).
/// </summary>
public static class HttpDefaults
{
    /// <summary>Call first in the pipeline. <paramref name="statusOf"/> maps a service's own exceptions (a full
    /// disk…) to a status; anything else unexpected is 500.</summary>
    public static WebApplication UseHttpDefaults(this WebApplication app, Func<Exception, int?>? statusOf = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Set when the answer starts, so that an answer the exception handler rewrites (it clears the headers)
        // carries them too.
        app.Use(async (http, next) =>
        {
            http.Response.OnStarting(() =>
            {
                SetSecurityHeaders(http.Response.Headers);
                return Task.CompletedTask;
            });
            await next(http);
        });
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e is BadHttpRequestException b ? b.StatusCode
                : statusOf?.Invoke(e) ?? StatusCodes.Status500InternalServerError,
            // A client's mistake is not an application error: no error log, no exception diagnostics.
            SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException,
        });
        app.UseStatusCodePages();
        return app;
    }

    public static void SetSecurityHeaders(IHeaderDictionary h)
    {
        ArgumentNullException.ThrowIfNull(h);
        // Defaults: an endpoint that set its own policy (the node's pages allow their own scripts) keeps it.
        h.XContentTypeOptions = "nosniff";
        h["Referrer-Policy"] = "no-referrer";
        h.TryAdd("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        h.XFrameOptions = "DENY";
        h.TryAdd("Cross-Origin-Resource-Policy", "cross-origin");
    }

    /// <summary>The detail of a client-error problem: what the framework says went wrong (e.g.
    /// <c>Failed to bind parameter "long? after" from "x".</c>), which names the parameter.</summary>
    internal static void DescribeBadRequest(ProblemDetailsContext context)
    {
        if (context.Exception is BadHttpRequestException bad)
        {
            context.ProblemDetails.Detail = bad.Message;
        }
    }
}
