namespace Atlas.Indexer.State;

/// <summary>The indexer's SQLite state. One connection convention: every read and write runs in a
/// <see cref="StateSession"/> (one connection, one transaction) and goes through its sections
/// (<see cref="StateSession.Peers"/>, <see cref="StateSession.Listings"/>, <see cref="StateSession.Alerts"/>,
/// <see cref="StateSession.Outbox"/>). A read session is a deferred transaction (a consistent snapshot that
/// never blocks the writer); a write session takes the write lock at once and commits all or nothing. The
/// caller holds the per-node lock (<see cref="Sync.NodeLocks"/>) around read-check-commit sequences that span
/// network I/O.</summary>
public sealed partial class StateStore(Database db, TimeProvider time, ILogger<StateStore> logger)
{
    /// <summary>How long a writer of this process waits for another one before leaving it to SQLite's busy timeout.</summary>
    private static readonly TimeSpan WriterWait = TimeSpan.FromMinutes(10);

    /// <summary>Writers of this process queue here rather than in SQLite's busy handler: a pass's commit may hold the
    /// write lock longer than the busy timeout while other peers stage pages and the flusher records what it sent, and
    /// those must wait for it, not fail. (The busy timeout still arbitrates between processes, e.g. the CLI.)</summary>
    private readonly SemaphoreSlim _writer = new(1, 1);

    public long Now => time.GetUtcNow().ToUnixTimeSeconds();
    public long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A read-only snapshot; dispose it when done (nothing to commit).</summary>
    public StateSession Read() => new(db.Open(), deferred: true, time);

    /// <summary>A write transaction: call <see cref="StateSession.Commit"/>; disposing without it rolls back.</summary>
    public StateSession Write()
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var queued = _writer.Wait(WriterWait);
        if (System.Diagnostics.Stopwatch.GetElapsedTime(started) is { TotalSeconds: >= 1 } waited)
        {
            // A pass's commit holds the lock for its whole feed: worth seeing when tuning (bench logs show it).
            LogWaited(waited.TotalMilliseconds);
        }
        try
        {
            return new StateSession(db.Open(), deferred: false, time, queued ? () => _writer.Release() : null, () => OutboxCommitted?.Invoke());
        }
        catch
        {
            if (queued)
            {
                _writer.Release();
            }
            throw;
        }
    }

    /// <summary>Raised after a write session that queued outbox entries committed (a pass, a relayed tombstone, a node
    /// hidden…): wakes the removal lane and the flusher instead of leaving the change to their next poll.</summary>
    public event Action? OutboxCommitted;

    public T Read<T>(Func<StateSession, T> read)
    {
        using var s = Read();
        return read(s);
    }

    public T Write<T>(Func<StateSession, T> write)
    {
        using var s = Write();
        var result = write(s);
        s.Commit();
        return result;
    }

    public void Write(Action<StateSession> write)
    {
        using var s = Write();
        write(s);
        s.Commit();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Waited {Ms:0} ms for the state database's write lock")]
    private partial void LogWaited(double ms);
}
