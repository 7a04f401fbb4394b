using Atlas.Api.Data;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Atlas.Api.Admin;

public sealed record AuditEntry(long Id, long At, string Actor, string Action, string? Target, string? Detail);

/// <summary>The audit log (admins): who did what, newest first.</summary>
public static class AuditApi
{
    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/audit").WithTags("Audit").RequireAdmin();
        group.MapGet("", ReadAudit).WithName("ReadAudit")
            .WithSummary("Audit entries newest first: limit 1..1000 (default 100), before an entry id to page back.");
        return app;
    }

    public static Ok<List<AuditEntry>> ReadAudit(NodeStore store, long? before, int? limit)
    {
        using var conn = store.Open();
        var take = Math.Clamp(limit ?? 100, 1, 1000);
        return TypedResults.Ok(conn.Query<AuditEntry>("SELECT id, at, actor, action, target, detail FROM audit WHERE @before IS NULL OR id < @before ORDER BY id DESC LIMIT @take",
            new { before, take }).ToList());
    }
}
