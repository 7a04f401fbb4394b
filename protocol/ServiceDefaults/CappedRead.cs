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
}
