using System.Text.Json;
using Atlas.Api.Extensions;

namespace Atlas.Api.Admin;

/// <summary>The columns of <c>listings</c> an editor sees.</summary>
internal sealed record ListingRow(string Id, long Seq, string Status, string? Private_Json, long Updated_At)
{
    public AdminOrganisation View() => new(Id, Seq, Status, Private_Json is null ? null : JsonSerializer.Deserialize(Private_Json, ApiJsonContext.Default.OrgInput), Updated_At);
}
