namespace Atlas.TestKit;

/// <summary>Bounded polling for tests: every wait has a time limit and a fixed interval.</summary>
public static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Polls <paramref name="condition"/> until it is true; throws <see cref="TimeoutException"/> with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(
        Func<Task<bool>> condition,
        string what,
        TimeSpan? timeout = null,
        TimeSpan? interval = null,
        CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? DefaultTimeout;
        var step = interval ?? TimeSpan.FromMilliseconds(50);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (await condition().ConfigureAwait(false))
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.##} s waiting for {what}.");
            }

            await Task.Delay(step, cancellationToken).ConfigureAwait(false);
        }
    }

    public static Task UntilAsync(
        Func<bool> condition,
        string what,
        TimeSpan? timeout = null,
        TimeSpan? interval = null,
        CancellationToken cancellationToken = default) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout, interval, cancellationToken);
}
