namespace Atlas.TestKit;

/// <summary>A clock tests can move forward; starts at the real time so signed objects look normal.</summary>
public sealed class ManualTime : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
