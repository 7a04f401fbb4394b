namespace Atlas.Api.Extensions;

/// <summary>The node's clock: the system clock shifted by <see cref="NodeOptions.TestClockOffset"/> (zero outside
/// tests). Injected as the node's <see cref="TimeProvider"/>, as in the indexer.</summary>
public sealed class NodeClock(TimeSpan offset) : TimeProvider
{
    public TimeSpan Offset { get; } = offset;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    public static TimeProvider For(NodeOptions options) =>
        options.TestClockOffset == TimeSpan.Zero ? System : new NodeClock(options.TestClockOffset);
}
