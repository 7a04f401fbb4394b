using System.Collections.Concurrent;

namespace Atlas.Indexer.Sync;

/// <summary>Serialises read-check-commit sequences per node (a sync pass vs a relayed tombstone).</summary>
public sealed class NodeLocks
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireAsync(string node, CancellationToken ct)
    {
        var gate = _locks.GetOrAdd(node, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Releaser(gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
