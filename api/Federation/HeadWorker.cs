using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Atlas.Api.Signing;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Dapper;
using Microsoft.Extensions.Options;

namespace Atlas.Api.Federation;

/// <summary>Re-signs the head well before it expires, picks up changes made by the CLI, and renews the
/// keyset 30 days before it expires. Survives failures: logs and tries again next round.</summary>
public sealed partial class HeadWorker(HeadService head, NodeStore store, KeyStore keys, IOptions<NodeOptions> options, ILogger<HeadWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.HeadCheckSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A renewal that cannot be signed here (roots held offline) must not stop the head from being re-signed.
                RenewKeysetIfDue();
            }
            catch (SigningException e)
            {
                LogRenewalNeedsCeremony(logger, e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
            try
            {
                head.Update();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
            try
            {
                await Task.Delay(interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void RenewKeysetIfDue()
    {
        using var conn = store.Open();
        var (_, _, exp) = KeyStore.LatestKeyset(conn);
        if (exp - store.Now() > TimeSpan.FromDays(30).TotalSeconds)
        {
            return;
        }
        using var tx = conn.BeginTransaction();
        var identity = NodeIdentity.Load(conn, tx);
        keys.Refresh(conn, tx, identity.NodeId);
        Audit.Write(conn, tx, store.Now(), "system", "keyset.renew", null);
        tx.Commit();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The keyset expires within 30 days and cannot be renewed here: {Reason}")]
    private static partial void LogRenewalNeedsCeremony(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Head/keyset maintenance failed; retrying next round")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
