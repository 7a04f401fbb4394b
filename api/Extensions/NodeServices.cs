using System.Text.Json;
using System.Threading.RateLimiting;
using Atlas.Api.Admin;
using Atlas.Api.Data;
using Atlas.Api.EditorConsole;
using Atlas.Api.Federation;
using Atlas.Api.Health;
using Atlas.Api.Organisations;
using Atlas.Api.Pages;
using Atlas.Api.Signing;
using Atlas.Api.Submissions;
using Atlas.Hosting;
using Atlas.Protocol.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IO;

namespace Atlas.Api.Extensions;

/// <summary>Everything a serving node needs, registered in one place so Program.cs stays a list of calls.</summary>
public static class NodeServices
{
    public const string PublicReadCors = "public-read";

    public static WebApplicationBuilder AddNode(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<NodeOptions>().BindConfiguration(NodeOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NodeOptions>, NodeOptionsValidator>();
        services.AddOptions<ProofOfWorkOptions>().BindConfiguration(ProofOfWorkOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(_ => ProofOfWork.WithRandomKey());
        services.AddOptions<SubmissionRateLimitOptions>().BindConfiguration(SubmissionRateLimitOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SubmissionRateLimitOptions>, SubmissionRateLimitOptionsValidator>();

        // Read from configuration, not from the validated options: framework services take the TimeProvider while
        // the app is built, before a bad setting can be reported as one line.
        services.TryAddSingleton(NodeClock.For(builder.Configuration[$"{NodeOptions.Section}:{nameof(NodeOptions.TestClockOffset)}"]));
        services.AddSingleton(sp => new NodeStore(sp.GetRequiredService<IOptions<NodeOptions>>().Value.DataDir, sp.GetRequiredService<TimeProvider>()));
        // The node migrates on serve as every CLI command does: before the workers and the HTTP server start.
        services.AddMigrateOnStart(sp => sp.GetRequiredService<NodeStore>().Database);
        services.AddSingleton<KeyStore>();
        services.AddSingleton<Publisher>();
        services.AddSingleton<HeadService>();
        services.AddSingleton<PublishedOrganisations>();
        services.AddSingleton<ChangePageCache>();
        services.AddSingleton<FederationReads>();
        // Buffers for answers built for one request (open-ended change pages): 128 KiB blocks, pages up to 8 MiB in one
        // buffer, and at most 4 + 8 MiB kept free between requests (the pool's defaults keep everything ever rented).
        services.AddSingleton(new RecyclableMemoryStreamManager(new RecyclableMemoryStreamManager.Options
        {
            BlockSize = 128 * 1024,
            LargeBufferMultiple = 1024 * 1024,
            MaximumBufferSize = 8 * 1024 * 1024,
            MaximumSmallPoolFreeBytes = 4 * 1024 * 1024,
            MaximumLargePoolFreeBytes = 8 * 1024 * 1024,
        }));
        services.AddSingleton(sp => PagesLocation.Resolve(sp.GetRequiredService<IOptions<NodeOptions>>().Value, AppContext.BaseDirectory));
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<NodeOptions>>((forwarded, node) =>
        {
            // With no known proxy at all the middleware would believe everyone: then it must do nothing.
            var proxies = node.Value.TrustedProxyNetworks();
            forwarded.ForwardedHeaders = proxies.Count > 0 ? ForwardedHeaders.XForwardedFor : ForwardedHeaders.None;
            forwarded.ForwardLimit = 1;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var network in proxies)
            {
                forwarded.KnownIPNetworks.Add(network);
            }
        });
        services.AddSingleton<NotifyQueue>();
        services.AddHostedService<HeadWorker>();
        services.AddHealthChecks().AddCheck<NodeReadiness>("node", tags: [ServiceDefaults.ReadyTag]);
        services.AddHostedService<NotifyWorker>();
        services.AddOptions<SubmitterPrivacyOptions>().BindConfiguration(SubmitterPrivacyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<SubmitterPrivacyWorker>();
        services.AddNotifyClient();

        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(1, ProtocolJsonContext.Default);
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.AllowDuplicateProperties = false;
            o.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
        });
        services.AddOpenApiDefaults("Atlas node",
            "A node of the Atlas federation: the signed federation feed (docs/protocol.md), public browsing, submissions, and the moderation API for the node's editors and admins.",
            new Dictionary<string, string>
            {
                ["Federation"] = "Signed objects, served byte for byte as stored (docs/protocol.md); any origin may GET them.",
                ["Organisations"] = "Plain-JSON browsing of this node's published organisations (public fields only).",
                ["Submissions"] = "Anyone proposes an organisation or an edit; an editor decides.",
                ["Moderation"] = "The submission queue (editor token).",
                ["Organisation management"] = "This node's listings with their private fields: create, edit, withdraw, take down (editor token).",
                ["Tokens"] = "Editor and admin bearer tokens (admin token).",
                ["Keys"] = "The node's signing keys (admin token).",
                ["Audit"] = "Who did what (admin token).",
                ["Editors"] = "The people who sign in to the editor console and their passkeys (admin token).",
                ["Console"] = "The editor console's own API: a session cookie from a passkey sign-in, CSRF token and same Origin.",
            },
            new HashSet<string> { AdminApi.EditorPolicy, AdminApi.AdminPolicy });
        // A full disk (or a failing one) is not a bug: say so instead of a bare 500 (the details still go to the log).
        services.Configure<ProblemDetailsOptions>(o => o.CustomizeProblemDetails += ctx =>
        {
            if (IsStorageFailure(ctx.Exception))
            {
                ctx.ProblemDetails.Title = "Insufficient storage";
                ctx.ProblemDetails.Detail = "The node could not write to its storage (disk full or I/O error). Nothing was stored; try again later.";
            }
        });

        services.AddCors(o => o.AddPolicy(PublicReadCors, p => p.AllowAnyOrigin().WithMethods("GET").WithHeaders("Accept")));
        // Bearer tokens need no cookie keys: keep data protection in memory instead of writing a key ring
        // into the user profile.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAuthentication(TokenAuthHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, TokenAuthHandler>(TokenAuthHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminApi.EditorPolicy, p => p.RequireRole(Tokens.Editor, Tokens.Admin))
            .AddPolicy(AdminApi.AdminPolicy, p => p.RequireRole(Tokens.Admin));
        services.TryAddSingleton(TimeProvider.System);
        services.AddConsole();

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(SubmissionsApi.RateLimitPolicy, http =>
            {
                var limits = http.RequestServices.GetRequiredService<IOptions<SubmissionRateLimitOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.PermitLimit, Window = TimeSpan.FromSeconds(limits.WindowSeconds), QueueLimit = 0 });
            });
            o.OnRejected = async (ctx, ct) =>
            {
                var retry = ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 60;
                ctx.HttpContext.Response.Headers.RetryAfter = retry.ToString();
                await TypedResults.Problem(statusCode: 429, title: "Too many submissions",
                    detail: $"This address sent too many submissions; try again in {retry} seconds.").ExecuteAsync(ctx.HttpContext);
            };
        });
        return builder;
    }

    /// <summary>SQLITE_FULL (13) or SQLITE_IOERR (10, e.g. EFBIG past a file-size limit), primary or extended code.</summary>
    public static bool IsStorageFailure(Exception? e) =>
        e is Microsoft.Data.Sqlite.SqliteException s && (s.SqliteErrorCode & 0xFF) is 13 or 10;

    public static WebApplication UseNode(this WebApplication app)
    {
        // Problem details for every error (never a stack trace) and the security headers on every answer.
        app.UseHttpDefaults(e => IsStorageFailure(e) ? StatusCodes.Status507InsufficientStorage : null);
        // Before the rate limiter: behind a configured reverse proxy the client address is the forwarded one.
        app.UseForwardedHeaders();
        app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments("/api/admin") || http.Request.Path.StartsWithSegments("/api/console"))
            {
                http.Response.Headers.CacheControl = "no-store";
            }
            await next();
        });
        app.UseCors();
        // Body limits before authentication: a body is refused for its size whoever sends it.
        app.UseRequestBodyLimits(StrictBody.MaxBytes);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapOpenApi().RequireCors(PublicReadCors);
        return app;
    }
}
