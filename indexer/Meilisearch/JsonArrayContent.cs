using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Atlas.Indexer.Meilisearch;

/// <summary>A JSON array request body written straight to the connection as it is sent, one element at a time with
/// source-generated serialization: a 5,000-document batch never exists as one 15-30 MB buffer (which, grown by doubling,
/// also left twice its size of large-object garbage per write; docs/performance.md §12.7). Its length is computed by
/// serializing once into a byte counter (no buffer), so the request carries a Content-Length and is never chunked:
/// Meilisearch answers a refused chunked upload (a search-only key, 403) without reading it, and the client then waits
/// for its timeout. The documents are enumerated once per pass; they must not change in between.</summary>
public sealed class JsonArrayContent<T> : HttpContent
{
    /// <summary>Bytes the writer may hold before they are flushed to the connection.</summary>
    private const int FlushBytes = 64 * 1024;

    private readonly IEnumerable<T> _items;
    private readonly JsonTypeInfo<T> _type;

    public JsonArrayContent(IEnumerable<T> items, JsonTypeInfo<T> type)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(type);
        _items = items;
        _type = type;
        Headers.ContentType = new MediaTypeHeaderValue("application/json");
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await using var writer = new Utf8JsonWriter(stream);
        writer.WriteStartArray();
        foreach (var item in _items)
        {
            JsonSerializer.Serialize(writer, item, _type);
            if (writer.BytesPending > FlushBytes)
            {
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        writer.WriteEndArray();
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        using var counter = new ByteCounter();
        using (var writer = new Utf8JsonWriter(counter))
        {
            writer.WriteStartArray();
            foreach (var item in _items)
            {
                JsonSerializer.Serialize(writer, item, _type);
                if (writer.BytesPending > FlushBytes)
                {
                    writer.Flush();
                }
            }
            writer.WriteEndArray();
        }
        length = counter.Length;
        return true;
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
