using Atlas.Api.Federation;

namespace Atlas.Api.Tests;

public sealed class ChangePageCacheTests
{
    private static Representation Page(int bytes) => Representation.Of(new byte[bytes]);

    [Fact]
    public void When_full_the_pages_of_older_heads_go_first_and_the_budget_holds()
    {
        var cache = new ChangePageCache();
        const int size = 1024 * 1024;
        for (var after = 0; after < 10; after++)
        {
            cache.GetOrAdd((after, 100, 500), () => Page(size));
        }
        for (var after = 0; after < 10; after++)
        {
            cache.GetOrAdd((after, 200, 500), () => Page(size));
        }
        Assert.InRange(cache.Bytes, 1, ChangePageCache.MaxBytes);
        var built = 0;
        // The newest head's pages are all still there; the oldest head's last page went first.
        for (var after = 0; after < 10; after++)
        {
            cache.GetOrAdd((after, 200, 500), () => { built++; return Page(size); });
        }
        Assert.Equal(0, built);
        cache.GetOrAdd((9, 100, 500), () => { built++; return Page(size); });
        Assert.Equal(1, built);
    }

    [Fact]
    public void A_cached_page_is_the_same_bytes_and_tag_and_a_huge_page_is_not_kept()
    {
        var cache = new ChangePageCache();
        var first = cache.GetOrAdd((0, 1, 1), () => Representation.Of("abc"u8.ToArray()));
        var second = cache.GetOrAdd((0, 1, 1), () => Representation.Of("xyz"u8.ToArray()));
        Assert.Same(first, second);
        cache.GetOrAdd((0, 2, 1000), () => Page((int)(ChangePageCache.MaxBytes / 2)));
        Assert.Equal(3, cache.Bytes);
    }
}
