namespace Atlas.Indexer.Sync;

/// <summary>Wakes a worker early (a pushed head → sync now; a relayed tombstone → flush now).</summary>
public sealed class Signal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Set()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up covers any number of requests.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}

public sealed class SyncSignal
{
    public Signal Signal { get; } = new();
}

public sealed class FlushSignal
{
    public Signal Signal { get; } = new();
}
