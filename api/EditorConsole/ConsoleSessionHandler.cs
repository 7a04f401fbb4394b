using System.Security.Claims;
using System.Text.Encodings.Web;
using Atlas.Api.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Atlas.Api.EditorConsole;

/// <summary>Authenticates console requests by their session cookie (only on routes whose policy names this
/// scheme: the admin API stays bearer-only, so a browser's cookie never authorises it). The person's name and
/// role become the same claims a bearer token gives, so the admin API's handlers and policies apply unchanged.</summary>
public sealed class ConsoleSessionHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    NodeStore store,
    ConsoleSite site,
    IOptions<ConsoleOptions> console,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AtlasConsole";
    public const string CsrfClaim = "console_csrf";
    public const string SessionClaim = "console_session";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Cookies.TryGetValue(site.CookieName, out var id) || string.IsNullOrEmpty(id))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (id.Length > 100)
        {
            return Task.FromResult(AuthenticateResult.Fail("Malformed session cookie."));
        }
        using var conn = store.Open();
        var row = ConsoleSessions.Find(conn, id);
        if (row is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown, ended or revoked session."));
        }
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        if (!ConsoleSessions.IsAlive(row.CreatedAt, row.LastSeenAt, now, console.Value))
        {
            ConsoleSessions.Delete(conn, row.Hash);
            return Task.FromResult(AuthenticateResult.Fail("The session expired."));
        }
        ConsoleSessions.Touch(conn, row.Hash, now);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, row.Name), new Claim(ClaimTypes.Role, row.Role), new Claim(CsrfClaim, row.Csrf), new Claim(SessionClaim, row.Hash)],
            SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        TypedResults.Problem(statusCode: 401, title: "Not signed in", detail: "Sign in to the console with your passkey.").ExecuteAsync(Context);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        TypedResults.Problem(statusCode: 403, title: "Not allowed", detail: "This needs an admin of this node.").ExecuteAsync(Context);
}
