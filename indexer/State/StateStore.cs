namespace Atlas.Indexer.State;

/// <summary>The indexer's SQLite state. One connection convention: every read and write runs in a
/// <see cref="StateSession"/> (one connection, one transaction) and goes through its sections
/// (<see cref="StateSession.Peers"/>, <see cref="StateSession.Listings"/>, <see cref="StateSession.Alerts"/>,
/// <see cref="StateSession.Outbox"/>). A read session is a deferred transaction (a consistent snapshot that
/// never blocks the writer); a write session takes the write lock at once and commits all or nothing. The
/// caller holds the per-node lock (<see cref="Sync.NodeLocks"/>) around read-check-commit sequences that span
/// network I/O.</summary>
public sealed class StateStore(Database db, TimeProvider time)
{
    public long Now => time.GetUtcNow().ToUnixTimeSeconds();
    public long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A read-only snapshot; dispose it when done (nothing to commit).</summary>
    public StateSession Read() => new(db.Open(), deferred: true, time);

    /// <summary>A write transaction: call <see cref="StateSession.Commit"/>; disposing without it rolls back.</summary>
    public StateSession Write() => new(db.Open(), deferred: false, time, () => OutboxCommitted?.Invoke());

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
}
