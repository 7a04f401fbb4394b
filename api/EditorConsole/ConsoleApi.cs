using Atlas.Api.Admin;
using Atlas.Api.Data;
using Atlas.Api.Federation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Atlas.Api.EditorConsole;

/// <summary>The console's API for the console pages: a session cookie instead of a bearer token, and otherwise
/// the admin API's own handlers (the same validation, moderation, publishing and audit code), under the same
/// roles: editors moderate, admins also manage people and read the audit log and key status. Every route but
/// sign-in needs a session; every state-changing one also the session's CSRF token and this node's Origin.</summary>
public static class ConsoleApi
{
    public const string EditorPolicy = "console-editor";
    public const string AdminPolicy = "console-admin";

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/console/auth").WithTags("Console").AddEndpointFilter<RequestOriginFilter>().MapPasskeys();

        var editor = app.MapGroup("/api/console").WithTags("Console").RequireAuthorization(EditorPolicy).AddEndpointFilter<RequestOriginFilter>();
        editor.MapGet("/session", Me).WithName("ConsoleSession").WithSummary("The signed-in person and the session's CSRF token");
        editor.MapPost("/signout", SignOut).WithName("ConsoleSignOut").WithSummary("Ends this session");
        editor.MapGet("/submissions", AdminApi.ListSubmissions).WithName("ConsoleListSubmissions").WithSummary("Submissions (filter by status)");
        editor.MapGet("/submissions/{id:long}", AdminApi.GetSubmission).WithName("ConsoleGetSubmission").WithSummary("One submission");
        editor.MapPut("/submissions/{id:long}", ReviewActions.EditSubmission).WithName("ConsoleEditSubmission").WithSummary("Corrects a pending submission before approval");
        editor.MapPost("/submissions/{id:long}/approve", AdminApi.Approve).WithName("ConsoleApprove").WithSummary("Approves and publishes a submission");
        editor.MapPost("/submissions/{id:long}/reject", AdminApi.Reject).WithName("ConsoleReject").WithSummary("Rejects a submission with a reason shown on its receipt");
        editor.MapGet("/organisations", AdminApi.ListOrganisations).WithName("ConsoleListOrganisations").WithSummary("This node's listings with their private records");
        editor.MapGet("/organisations/{id}", AdminApi.GetOrganisation).WithName("ConsoleGetOrganisation").WithSummary("One listing with its private record");
        editor.MapPut("/organisations/{id}", AdminApi.Edit).WithName("ConsoleEditOrganisation").WithSummary("Publishes an edited version");
        editor.MapPost("/organisations/{id}/confirm", ReviewActions.Confirm).WithName("ConsoleConfirm").WithSummary("Records that the organisation is still active");
        editor.MapPost("/organisations/{id}/withdraw", (string id, HttpContext http, NodeStore store, Publisher publisher, HeadService head) => AdminApi.Withdraw(id, false, http, store, publisher, head))
            .WithName("ConsoleWithdraw").WithSummary("Withdraws a listing (tombstone)");
        editor.MapPost("/organisations/{id}/takedown", (string id, HttpContext http, NodeStore store, Publisher publisher, HeadService head) => AdminApi.Withdraw(id, true, http, store, publisher, head))
            .WithName("ConsoleTakedown").WithSummary("Emergency takedown: the tombstone is published and relayed at once");

        var admin = app.MapGroup("/api/console").WithTags("Console").RequireAuthorization(AdminPolicy).AddEndpointFilter<RequestOriginFilter>();
        admin.MapEditors();
        admin.MapGet("/audit", AdminApi.ReadAudit).WithName("ConsoleAudit").WithSummary("The audit log, newest first");
        admin.MapGet("/keys", KeyStatus.Get).WithName("ConsoleKeys").WithSummary("Key status");
        return app;
    }

    public static Ok<ConsoleMe> Me(HttpContext http, ConsoleSite site) =>
        TypedResults.Ok(new ConsoleMe(http.User.Identity!.Name!, http.User.FindFirst(System.Security.Claims.ClaimTypes.Role)!.Value,
            http.User.FindFirst(ConsoleSessionHandler.CsrfClaim)!.Value, site.NodeName));

    public static NoContent SignOut(HttpContext http, NodeStore store, ConsoleSite site)
    {
        using var conn = store.Open();
        ConsoleSessions.Delete(conn, http.User.FindFirst(ConsoleSessionHandler.SessionClaim)!.Value);
        ConsoleSessions.ClearCookie(http.Response, site);
        return TypedResults.NoContent();
    }
}
