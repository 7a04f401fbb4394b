using System.Buffers;

namespace Atlas.Hosting;

/// <summary>Bytes in a buffer rented from <see cref="ArrayPool{T}.Shared"/> (<see cref="CappedRead.ReadPooledAsync"/>);
/// Dispose returns it, after which the bytes must not be touched.</summary>
public sealed class PooledBytes(byte[] buffer, int length) : IDisposable
{
    private byte[]? _buffer = buffer;

    public int Length => length;

    public ReadOnlySpan<byte> Span => (_buffer ?? throw new ObjectDisposedException(nameof(PooledBytes))).AsSpan(0, length);

    public byte[] ToArray() => Span.ToArray();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } b)
        {
            ArrayPool<byte>.Shared.Return(b);
        }
    }
}
