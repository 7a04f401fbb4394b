using Atlas.Api.Data;
using Atlas.Api.EditorConsole;
using Dapper;
using Microsoft.Extensions.Options;

namespace Atlas.Api.Submissions;

/// <summary>Deletes what the node no longer needs to know about people: submitter emails and notes
/// <see cref="SubmitterPrivacyOptions.RetainDays"/> after the decision, and ended console sessions. Logs a
/// failure (a locked or full disk) and tries again at the next check.</summary>
public sealed partial class SubmitterPrivacyWorker(
    NodeStore store,
    IOptions<SubmitterPrivacyOptions> options,
    IOptions<ConsoleOptions> console,
    TimeProvider time,
    ILogger<SubmitterPrivacyWorker> logger) : BackgroundService
{
    /// <summary>Pure: decisions at or before this instant have had their retention time.</summary>
    public static long Cutoff(DateTimeOffset now, int retainDays) => now.AddDays(-retainDays).ToUnixTimeSeconds();

    public int RunOnce()
    {
        var now = time.GetUtcNow();
        using var conn = store.Open();
        using var tx = conn.BeginTransaction();
        var purged = conn.Execute("""
            UPDATE submissions SET submitter_email = NULL, note = NULL
            WHERE status <> 'pending' AND decided_at <= @cutoff AND (submitter_email IS NOT NULL OR note IS NOT NULL)
            """, new { cutoff = Cutoff(now, options.Value.RetainDays) }, tx);
        if (purged > 0)
        {
            Audit.Write(conn, tx, now.ToUnixTimeSeconds(), "system", "submitters.purge", null, $"{purged} submissions");
        }
        tx.Commit();
        ConsoleSessions.DeleteExpired(conn, now.ToUnixTimeSeconds(), console.Value);
        return purged;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.Value.CheckMinutes), time);
        do
        {
            try
            {
                if (RunOnce() is > 0 and var n)
                {
                    LogPurged(logger, n);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
        }
        while (await Tick(timer, stoppingToken));
    }

    private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the submitter email and note of {Count} decided submissions")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Submitter privacy check failed; trying again at the next check")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
