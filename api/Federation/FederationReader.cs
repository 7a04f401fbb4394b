using Atlas.Api.Data;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.Federation;

/// <summary>One open connection with the federation's per-request reads prepared on it once. Preparing a statement
/// (parsing and planning the SQL) cost as much as running it; a reused command only binds, steps and resets, so no read
/// transaction stays open between requests and WAL checkpoints are never held up. Used by one request at a time,
/// handed out by <see cref="FederationReads"/>.</summary>
public sealed class FederationReader : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _latestListing;
    private readonly SqliteCommand _listingVersion;
    private readonly SqliteCommand _keysetVersion;

    public FederationReader(NodeStore store)
    {
        _connection = store.Open();
        _latestListing = Prepare("SELECT CAST(v.jws AS BLOB) FROM listings l JOIN listing_versions v ON v.id = l.id AND v.seq = l.seq WHERE l.id = $id", ("$id", SqliteType.Text));
        _listingVersion = Prepare("SELECT CAST(jws AS BLOB) FROM listing_versions WHERE id = $id AND seq = $seq", ("$id", SqliteType.Text), ("$seq", SqliteType.Integer));
        _keysetVersion = Prepare("SELECT CAST(jws AS BLOB) FROM keysets WHERE version = $version", ("$version", SqliteType.Integer));
    }

    /// <summary>The newest signed version of a listing (or its tombstone), as stored.</summary>
    public byte[]? LatestListing(string id) => Run(_latestListing, id);

    public byte[]? ListingVersion(string id, long seq) => Run(_listingVersion, id, seq);

    public byte[]? KeysetVersion(long version) => Run(_keysetVersion, version);

    public void Dispose()
    {
        _latestListing.Dispose();
        _listingVersion.Dispose();
        _keysetVersion.Dispose();
        _connection.Dispose();
    }

    private SqliteCommand Prepare(string sql, params (string Name, SqliteType Type)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, type) in parameters)
        {
            command.Parameters.Add(name, type);
        }
        command.Prepare();
        return command;
    }

    private static byte[]? Run(SqliteCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }
        return command.ExecuteScalar() as byte[];
    }
}
