using Atlas.Hosting;

namespace Atlas.Protocol.Tests.Hosting;

/// <summary>The pooled capped read (peer answers): the cap holds whatever length the sender announces, and the bytes
/// come back exactly.</summary>
public sealed class CappedReadTests
{
    private static byte[] Bytes(int n) => [.. Enumerable.Range(0, n).Select(i => (byte)(i * 31))];

    [Theory]
    [InlineData(0, null)]
    [InlineData(1, null)]
    [InlineData(100_000, null)]
    [InlineData(100_000, 100_000L)]
    [InlineData(100_000, 10L)]          // announced too little: grows
    [InlineData(100_000, 5_000_000L)]   // announced far too much: the first buffer is capped at the limit
    [InlineData(200_000, 200_000L)]     // exactly at the cap
    public async Task Reads_every_byte_up_to_the_cap(int size, long? hint)
    {
        var data = Bytes(size);
        using var body = await CappedRead.ReadPooledAsync(new MemoryStream(data), 200_000, hint, CancellationToken.None);
        Assert.NotNull(body);
        Assert.Equal(size, body.Length);
        Assert.True(body.Span.SequenceEqual(data));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(10L)]
    [InlineData(200_000L)]  // a sender that announces an acceptable length and sends more is cut off all the same
    public async Task Refuses_a_body_over_the_cap(long? hint)
    {
        Assert.Null(await CappedRead.ReadPooledAsync(new MemoryStream(Bytes(200_001)), 200_000, hint, CancellationToken.None));
    }

    [Fact]
    public async Task The_bytes_cannot_be_read_after_they_went_back_to_the_pool()
    {
        var body = await CappedRead.ReadPooledAsync(new MemoryStream(Bytes(10)), 100, null, CancellationToken.None);
        Assert.NotNull(body);
        body.Dispose();
        body.Dispose();
        Assert.Throws<ObjectDisposedException>(() => body.Span.Length);
    }
}
