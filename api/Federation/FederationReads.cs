using Atlas.Api.Data;
using Microsoft.Extensions.ObjectPool;

namespace Atlas.Api.Federation;

/// <summary>The federation's hot reads (a listing, a listing version, a keyset version) on a few pooled
/// <see cref="FederationReader"/>s, so a request neither opens a connection nor prepares a statement
/// (docs/performance.md §13). Retains at most two readers per core; a burst beyond that gets fresh readers that are
/// closed when returned. A reader whose read failed is closed, not reused.</summary>
public sealed class FederationReads(NodeStore store) : IDisposable
{
    private readonly ObjectPool<FederationReader> _readers =
        new DefaultObjectPoolProvider().Create(new ReaderPolicy(store));

    public byte[]? LatestListing(string id) => Read(r => r.LatestListing(id));

    public byte[]? ListingVersion(string id, long seq) => Read(r => r.ListingVersion(id, seq));

    public byte[]? KeysetVersion(long version) => Read(r => r.KeysetVersion(version));

    public void Dispose() => (_readers as IDisposable)?.Dispose();

    private byte[]? Read(Func<FederationReader, byte[]?> read)
    {
        var reader = _readers.Get();
        byte[]? result;
        try
        {
            result = read(reader);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
        _readers.Return(reader);
        return result;
    }

    private sealed class ReaderPolicy(NodeStore store) : IPooledObjectPolicy<FederationReader>
    {
        public FederationReader Create() => new(store);

        public bool Return(FederationReader obj) => true;
    }
}
