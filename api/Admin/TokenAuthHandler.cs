using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Atlas.Api.Data;
using Atlas.Protocol.Signing;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Atlas.Api.Admin;

public sealed class TokenAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, NodeStore store)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AtlasToken";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal) || header.Length > 200)
        {
            return Task.FromResult(AuthenticateResult.Fail("Malformed Authorization header."));
        }
        using var conn = store.Open();
        var row = conn.QuerySingleOrDefault<(long Id, string Name, string Role)>(
            "SELECT id, name, role FROM tokens WHERE hash = @hash AND revoked_at IS NULL", new { hash = Tokens.Hash(header["Bearer ".Length..].Trim()) });
        if (row.Name is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown or revoked token."));
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, row.Name), new Claim(ClaimTypes.Role, row.Role), new Claim("token_id", row.Id.ToString())], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 401;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
