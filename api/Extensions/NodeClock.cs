namespace Atlas.Api.Extensions;

/// <summary>The node's clock: the system clock shifted by <see cref="NodeOptions.TestClockOffset"/> (zero outside
/// tests). Injected as the node's <see cref="TimeProvider"/>, as in the indexer.</summary>
public sealed class NodeClock(TimeSpan offset) : TimeProvider
{
    public TimeSpan Offset { get; } = offset;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    /// <param name="offset">The configured <c>Node:TestClockOffset</c> (a bad value is reported by the options validator).</param>
    public static TimeProvider For(string? offset) =>
        TimeSpan.TryParse(offset, global::System.Globalization.CultureInfo.InvariantCulture, out var o) && o != TimeSpan.Zero ? new NodeClock(o) : System;
}
