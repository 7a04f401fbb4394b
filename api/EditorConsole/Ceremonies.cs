using System.Security.Cryptography;
using Atlas.Protocol.Signing;
using Microsoft.Extensions.Caching.Memory;

namespace Atlas.Api.EditorConsole;

/// <summary>A WebAuthn ceremony between its options and its answer: the options sent (with their challenge),
/// and for an enrolment whose passkey it will be.</summary>
public sealed record Ceremony(string OptionsJson, long? UserId, long? EnrolmentId);

/// <summary>Pending ceremonies in memory for five minutes, each usable once; bounded, so a flood of
/// unauthenticated option requests costs memory up to the bound only (then sign-in asks to try again).</summary>
public sealed class Ceremonies : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private readonly MemoryCache _cache;

    public Ceremonies(TimeProvider time)
    {
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = 10_000, Clock = new TimeProviderClock(time) });
    }

    public string Start(Ceremony ceremony)
    {
        var id = Base64Url.Encode(RandomNumberGenerator.GetBytes(24));
        _cache.Set(id, ceremony, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Lifetime });
        return id;
    }

    /// <summary>The ceremony, removed so that its challenge cannot be answered twice; null if unknown or expired.</summary>
    public Ceremony? Take(string id)
    {
        if (id.Length > 64 || !_cache.TryGetValue(id, out Ceremony? ceremony))
        {
            return null;
        }
        _cache.Remove(id);
        return ceremony;
    }

    public void Dispose() => _cache.Dispose();

#pragma warning disable CS0618 // ISystemClock is what MemoryCacheOptions.Clock takes
    private sealed class TimeProviderClock(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
#pragma warning restore CS0618
}
