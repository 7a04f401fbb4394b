using System.Text.Json;
using Atlas.Api.Extensions;
using Atlas.Api.Submissions;

namespace Atlas.Api.Admin;

/// <summary>A row of <c>submissions</c> as Dapper reads it (<c>SELECT *</c>).</summary>
internal sealed record SubmissionRow(long Id, string? Listing_Id, string Org_Json, string? Submitter_Email, string? Note, string Status,
    long Created_At, string? Decided_By, long? Decided_At, string? Reason, string? Published_Id)
{
    public SubmissionView View() => new(Id, Listing_Id, JsonSerializer.Deserialize(Org_Json, ApiJsonContext.Default.OrgInput)!, Submitter_Email, Note, Status,
        Created_At, Decided_By, Decided_At, Reason, Published_Id);
}
