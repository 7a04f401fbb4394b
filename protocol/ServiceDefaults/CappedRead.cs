using System.Buffers;

namespace Atlas.Hosting;

/// <summary>The one capped reader for every body Atlas reads whole: request bodies in both hosts (the body-limit
/// middleware, the node's strict JSON bodies, the indexer's pushed JWS) and peer answers in the indexer. A declared
/// length is never trusted: reading stops at the first byte over the cap.</summary>
public static class CappedRead
{
    private const int ChunkBytes = 16 * 1024;

    /// <summary>The whole stream in memory (positioned at 0) when it holds at most <paramref name="maxBytes"/>, else null.</summary>
    public static async Task<MemoryStream?> ReadAsync(Stream stream, int maxBytes, CancellationToken ct)
    {
        var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk.AsMemory(0, ChunkBytes), ct)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    await buffer.DisposeAsync();
                    return null;
                }
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        buffer.Position = 0;
        return buffer;
    }

    /// <summary>As <see cref="ReadAsync"/>, into a buffer rented from <see cref="ArrayPool{T}.Shared"/> (sized from
    /// <paramref name="lengthHint"/> when the sender announced one, grown by doubling otherwise; the hint only sizes the
    /// first buffer, the cap is enforced on what arrives). For large bodies read over and over (an indexer reads 2.4 MB
    /// change pages by the hundred): each read no longer leaves megabytes of large-object garbage. Dispose returns the
    /// buffer; null when the stream holds more than <paramref name="maxBytes"/>.</summary>
    public static async Task<PooledBytes?> ReadPooledAsync(Stream stream, int maxBytes, long? lengthHint, CancellationToken ct)
    {
        // One byte over the hint so that a body of exactly the announced length ends with a read of 0, not a resize.
        var initial = (int)Math.Clamp(lengthHint is { } h ? h + 1 : ChunkBytes, 1, (long)maxBytes + 1);
        var buffer = ArrayPool<byte>.Shared.Rent(initial);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, (long)maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(grown);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = grown;
                }
                var read = await stream.ReadAsync(buffer.AsMemory(length), ct);
                if (read == 0)
                {
                    break;
                }
                length += read;
                if (length > maxBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return null;
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        return new PooledBytes(buffer, length);
    }
}
