using System.Security.Claims;
using System.Text.Json;
using Atlas.Api.Admin;
using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Dapper;
using Fido2NetLib;
using Fido2NetLib.Objects;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Atlas.Api.EditorConsole;

public sealed record EnrolOptionsInput(string? Token = null);

public sealed record CeremonyInput(string Ceremony, JsonElement Credential, string? Label = null);

public sealed record CeremonyOptions(string Ceremony, JsonElement Options);

/// <summary>Passkey enrolment and sign-in (WebAuthn through the Fido2 library). These are the only console
/// routes that answer without a session; they still refuse requests from other origins. Enrolment needs a
/// one-time enrolment link's token, or an existing bearer token in the Authorization header.</summary>
public static partial class PasskeyApi
{
    public static RouteGroupBuilder MapPasskeys(this RouteGroupBuilder auth)
    {
        auth.ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        auth.MapPost("/enrol/options", EnrolOptions).WithName("ConsoleEnrolOptions").WithSummary("Starts enrolling a passkey (enrolment token or bearer token)")
            .Accepts<EnrolOptionsInput>(true, "application/json");
        auth.MapPost("/enrol/complete", EnrolComplete).WithName("ConsoleEnrolComplete").WithSummary("Stores the new passkey and signs its person in")
            .Accepts<CeremonyInput>("application/json");
        auth.MapPost("/signin/options", SignInOptions).WithName("ConsoleSignInOptions").WithSummary("Starts a passkey sign-in");
        auth.MapPost("/signin/complete", SignInComplete).WithName("ConsoleSignInComplete").WithSummary("Verifies the passkey and opens a session")
            .Accepts<CeremonyInput>("application/json");
        return auth;
    }

    public static async Task<Results<Ok<CeremonyOptions>, ProblemHttpResult>> EnrolOptions(HttpContext http, NodeStore store, IFido2 fido, Ceremonies ceremonies, TimeProvider time, CancellationToken ct)
    {
        EnrolOptionsInput input = new();
        if (http.Request.ContentLength is > 0)
        {
            var (body, error) = await StrictBody.ReadAsync(http.Request, ApiJsonContext.Default.EnrolOptionsInput, ct);
            if (error is not null)
            {
                return error;
            }
            input = body!;
        }
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        using var conn = store.Open();
        ConsoleUser user;
        long? enrolmentId = null;
        if (http.User.Identity is { IsAuthenticated: true, AuthenticationType: TokenAuthHandler.SchemeName, Name: { } tokenName }
            && http.User.FindFirst(ClaimTypes.Role)?.Value is { } tokenRole)
        {
            using var tx = conn.BeginTransaction();
            user = ConsoleUsers.FindOrCreate(conn, tx, tokenName, tokenRole, tokenName, now);
            tx.Commit();
            if (user.RevokedAt is not null)
            {
                return Refused("This person was revoked on this node.");
            }
        }
        else if (input.Token is { Length: > 0 and < 200 } token && ConsoleUsers.OpenEnrolment(conn, token, now) is { } open)
        {
            (enrolmentId, user) = open;
        }
        else
        {
            return Refused("This enrolment link is unknown, used or expired. Ask an admin of this node for a new one.");
        }
        var existing = conn.Query<byte[]>("SELECT credential_id FROM passkeys WHERE user_id = @id", new { id = user.Id }).Select(c => new PublicKeyCredentialDescriptor(c)).ToList();
        var options = fido.RequestNewCredential(new RequestNewCredentialParams
        {
            User = new Fido2User { Id = user.Handle, Name = user.Name, DisplayName = user.Name },
            ExcludeCredentials = existing,
            AuthenticatorSelection = new AuthenticatorSelection { ResidentKey = ResidentKeyRequirement.Required, UserVerification = UserVerificationRequirement.Required },
            AttestationPreference = AttestationConveyancePreference.None,
        });
        var json = options.ToJson();
        var id = ceremonies.Start(new Ceremony(json, user.Id, enrolmentId));
        return TypedResults.Ok(new CeremonyOptions(id, JsonDocument.Parse(json).RootElement.Clone()));
    }

    public static async Task<Results<Ok<ConsoleMe>, ProblemHttpResult>> EnrolComplete(HttpContext http, NodeStore store, IFido2 fido, Ceremonies ceremonies, ConsoleSite site,
        IOptions<ConsoleOptions> options, TimeProvider time, ILogger<Ceremonies> log, CancellationToken ct)
    {
        var (input, error) = await StrictBody.ReadAsync(http.Request, ApiJsonContext.Default.CeremonyInput, ct);
        if (error is not null)
        {
            return error;
        }
        if (ceremonies.Take(input!.Ceremony) is not { UserId: { } userId } ceremony)
        {
            return Expired();
        }
        if (input.Label is { } label && !Tokens.IsValidName(label))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["label"] = ["A passkey's label is 1–100 characters of plain text."] }, "Invalid request", "Nothing was stored.");
        }
        RegisteredPublicKeyCredential credential;
        try
        {
            var response = input.Credential.Deserialize(PasskeyJsonContext.Default.AuthenticatorAttestationRawResponse) ?? throw new JsonException("null credential");
            credential = await fido.MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = response,
                OriginalOptions = CredentialCreateOptions.FromJson(ceremony.OptionsJson),
                IsCredentialIdUniqueToUserCallback = (args, _) =>
                {
                    using var c = store.Open();
                    return Task.FromResult(c.ExecuteScalar<long>("SELECT count(*) FROM passkeys WHERE credential_id = @id", new { id = args.CredentialId }) == 0);
                },
            }, ct);
        }
        catch (Exception e) when (e is Fido2VerificationException or JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            LogRefused(log, "enrolment", e.Message);
            return NotVerified();
        }
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        if (ConsoleUsers.ById(conn, tx, userId) is not { RevokedAt: null } user)
        {
            return Refused("This person was revoked on this node.");
        }
        if (ceremony.EnrolmentId is { } eid
            && conn.Execute("UPDATE enrolments SET used_at = @now WHERE id = @eid AND used_at IS NULL AND expires_at > @now", new { now, eid }, tx) != 1)
        {
            return Refused("This enrolment link was used or expired meanwhile. Ask an admin of this node for a new one.");
        }
        var passkeyId = conn.ExecuteScalar<long>("""
            INSERT INTO passkeys (user_id, credential_id, public_key, sign_count, label, created_at) VALUES (@userId, @cid, @pk, @count, @label, @now) RETURNING id
            """, new { userId, cid = credential.Id, pk = credential.PublicKey, count = (long)credential.SignCount, label = input.Label ?? $"passkey {now}", now }, tx);
        Audit.Write(conn, tx, store.Now(), user.Name, "passkey.enrol", passkeyId.ToString(), ceremony.EnrolmentId is null ? "with a bearer token" : "with an enrolment link");
        var (sid, csrf) = ConsoleSessions.Create(conn, tx, userId, passkeyId, now);
        tx.Commit();
        ConsoleSessions.SetCookie(http.Response, site, sid, options.Value);
        return TypedResults.Ok(new ConsoleMe(user.Name, user.Role, csrf, site.NodeName));
    }

    public static Ok<CeremonyOptions> SignInOptions(IFido2 fido, Ceremonies ceremonies)
    {
        // Discoverable credentials: the browser offers this site's passkeys; no name is typed, none is revealed.
        var options = fido.GetAssertionOptions(new GetAssertionOptionsParams { AllowedCredentials = [], UserVerification = UserVerificationRequirement.Required });
        var json = options.ToJson();
        return TypedResults.Ok(new CeremonyOptions(ceremonies.Start(new Ceremony(json, null, null)), JsonDocument.Parse(json).RootElement.Clone()));
    }

    public static async Task<Results<Ok<ConsoleMe>, ProblemHttpResult>> SignInComplete(HttpContext http, NodeStore store, IFido2 fido, Ceremonies ceremonies, ConsoleSite site,
        IOptions<ConsoleOptions> options, TimeProvider time, ILogger<Ceremonies> log, CancellationToken ct)
    {
        var (input, error) = await StrictBody.ReadAsync(http.Request, ApiJsonContext.Default.CeremonyInput, ct);
        if (error is not null)
        {
            return error;
        }
        if (ceremonies.Take(input!.Ceremony) is not { UserId: null } ceremony)
        {
            return Expired();
        }
        AuthenticatorAssertionRawResponse response;
        try
        {
            response = input.Credential.Deserialize(PasskeyJsonContext.Default.AuthenticatorAssertionRawResponse) ?? throw new JsonException("null credential");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            LogRefused(log, "sign-in", e.Message);
            return NotVerified();
        }
        using var conn = store.Open();
        var key = conn.QuerySingleOrDefault<(long Id, long UserId, byte[] PublicKey, long SignCount, byte[] Handle, string Name, string Role)?>("""
            SELECT p.id, p.user_id, p.public_key, p.sign_count, u.handle, u.name, u.role FROM passkeys p JOIN console_users u ON u.id = p.user_id
            WHERE p.credential_id = @cid AND u.revoked_at IS NULL
            """, new { cid = response.RawId });
        if (key is not { } k)
        {
            return Refused("This passkey is not enrolled on this node, or its person was revoked.");
        }
        VerifyAssertionResult result;
        try
        {
            result = await fido.MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = response,
                OriginalOptions = AssertionOptions.FromJson(ceremony.OptionsJson),
                StoredPublicKey = k.PublicKey,
                StoredSignatureCounter = (uint)k.SignCount,
                IsUserHandleOwnerOfCredentialIdCallback = (args, _) => Task.FromResult(args.UserHandle.AsSpan().SequenceEqual(k.Handle)),
            }, ct);
        }
        catch (Exception e) when (e is Fido2VerificationException or ArgumentException or InvalidOperationException or FormatException)
        {
            LogRefused(log, "sign-in", e.Message);
            return NotVerified();
        }
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        using var tx = conn.BeginTransaction();
        conn.Execute("UPDATE passkeys SET sign_count = @count, last_used_at = @now WHERE id = @id", new { count = (long)result.SignCount, now, id = k.Id }, tx);
        Audit.Write(conn, tx, store.Now(), k.Name, "console.signin", k.Id.ToString());
        var (sid, csrf) = ConsoleSessions.Create(conn, tx, k.UserId, k.Id, now);
        tx.Commit();
        ConsoleSessions.SetCookie(http.Response, site, sid, options.Value);
        return TypedResults.Ok(new ConsoleMe(k.Name, k.Role, csrf, site.NodeName));
    }

    private static ProblemHttpResult Refused(string detail) => TypedResults.Problem(statusCode: 403, title: "Refused", detail: detail);

    private static ProblemHttpResult Expired() =>
        TypedResults.Problem(statusCode: 400, title: "Sign-in expired", detail: "This sign-in took too long or was already used; start again.");

    private static ProblemHttpResult NotVerified() =>
        TypedResults.Problem(statusCode: 400, title: "Passkey not verified", detail: "The passkey's answer could not be verified for this site; start again.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Console {Ceremony} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string ceremony, string reason);
}
