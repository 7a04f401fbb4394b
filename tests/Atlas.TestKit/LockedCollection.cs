using System.Collections.ObjectModel;

namespace Atlas.TestKit;

/// <summary>
/// A collection that an exporter on another thread can add to while a test reads <see cref="Snapshot"/>
/// (OpenTelemetry.Exporter.InMemory adds to any <see cref="ICollection{T}"/> without a lock).
/// </summary>
public sealed class LockedCollection<T> : Collection<T>
{
    private readonly Lock _gate = new();

    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate)
        {
            return [.. Items];
        }
    }

    protected override void InsertItem(int index, T item)
    {
        lock (_gate)
        {
            base.InsertItem(index, item);
        }
    }

    protected override void SetItem(int index, T item)
    {
        lock (_gate)
        {
            base.SetItem(index, item);
        }
    }

    protected override void RemoveItem(int index)
    {
        lock (_gate)
        {
            base.RemoveItem(index);
        }
    }

    protected override void ClearItems()
    {
        lock (_gate)
        {
            base.ClearItems();
        }
    }
}
