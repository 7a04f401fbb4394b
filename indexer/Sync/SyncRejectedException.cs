namespace Atlas.Indexer.Sync;

/// <summary>A pass was refused as a whole (root mismatch, split view): nothing of it is committed. The
/// synchronizer raises an alert of <see cref="Kind"/> on <see cref="Node"/> with the message.</summary>
public sealed class SyncRejectedException(string kind, string node, string message) : Exception(message)
{
    public string Kind { get; } = kind;
    public string Node { get; } = node;
}
