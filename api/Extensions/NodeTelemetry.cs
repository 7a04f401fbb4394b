using System.Diagnostics;
using System.Diagnostics.Metrics;
using Atlas.Hosting;

namespace Atlas.Api.Extensions;

/// <summary>The node's own traces and metrics. Request counts and durations come from ASP.NET Core's
/// built-in meters; these count what only the node knows.</summary>
public static class NodeTelemetry
{
    public static ActivitySource Source => AtlasTelemetry.ApiActivitySource;
    private static Meter Meter => AtlasTelemetry.ApiMeter;

    public static readonly Counter<long> SignaturesMade = Meter.CreateCounter<long>("atlas.signatures", description: "Signatures made (listing, head, keyset)");
    public static readonly Counter<long> SubmissionsReceived = Meter.CreateCounter<long>("atlas.submissions.received");
    public static readonly Counter<long> SubmissionsRefused = Meter.CreateCounter<long>("atlas.submissions.refused", description: "Submissions refused for a missing or reused proof of work or a filled honeypot");
    public static readonly Counter<long> SubmissionsApproved = Meter.CreateCounter<long>("atlas.submissions.approved");
    public static readonly Counter<long> SubmissionsRejected = Meter.CreateCounter<long>("atlas.submissions.rejected");
    public static readonly Counter<long> Takedowns = Meter.CreateCounter<long>("atlas.takedowns", description: "Tombstones published (withdraw and emergency takedown)");
}
