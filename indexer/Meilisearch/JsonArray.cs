using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Atlas.Indexer.Meilisearch;

/// <summary>Serializes documents as one JSON array into an array of exactly its size: a counting pass first (no buffer),
/// then the bytes, element by element with source-generated serialization. A 5,000-document batch (15-30 MB) used to be
/// written into a buffer grown by doubling, which left about twice its size of large-object garbage per write
/// (docs/performance.md §12.7). Not streamed to the connection: a streamed upload whose headers Meilisearch sees before
/// its body makes a refused write (403, a search-only key) hang until the client's timeout in about one request of six
/// (MeilisearchClientTests), so the body stays one buffer sent at once.</summary>
public static class JsonArray
{
    public static byte[] Serialize<T>(IEnumerable<T> items, JsonTypeInfo<T> type)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(type);
        using var counter = new ByteCounter();
        Write(counter, items, type);
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)counter.Length));
        using var target = new MemoryStream(bytes, writable: true);
        Write(target, items, type);
        if (target.Position != bytes.Length)
        {
            throw new InvalidOperationException("The documents changed while they were serialized.");
        }
        return bytes;
    }

    private static void Write<T>(Stream stream, IEnumerable<T> items, JsonTypeInfo<T> type)
    {
        using var writer = new Utf8JsonWriter(stream);
        writer.WriteStartArray();
        foreach (var item in items)
        {
            JsonSerializer.Serialize(writer, item, type);
            if (writer.BytesPending > 64 * 1024)
            {
                writer.Flush();
            }
        }
        writer.WriteEndArray();
    }

    /// <summary>A write-only stream that keeps nothing but the number of bytes written to it.</summary>
    private sealed class ByteCounter : Stream
    {
        private long _length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
