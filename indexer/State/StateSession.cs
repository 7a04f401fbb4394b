using Dapper;
using Microsoft.Data.Sqlite;

namespace Atlas.Indexer.State;

/// <summary>One connection and one transaction over the state database, with the sections of the state
/// as views of it. The clock is read once, when the session starts: everything one transaction writes
/// carries the same time.</summary>
public sealed class StateSession : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly Action? _outboxCommitted;
    private Action? _onDispose;

    internal StateSession(SqliteConnection connection, bool deferred, TimeProvider time, Action? onDispose = null, Action? outboxCommitted = null)
    {
        _connection = connection;
        _onDispose = onDispose;
        _outboxCommitted = outboxCommitted;
        try
        {
            _transaction = connection.BeginTransaction(deferred);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        var now = time.GetUtcNow();
        Now = now.ToUnixTimeSeconds();
        NowMs = now.ToUnixTimeMilliseconds();
        Peers = new PeerStore(this);
        Listings = new ListingStore(this);
        Alerts = new AlertStore(this);
        Outbox = new OutboxStore(this);
        Keysets = new KeysetStore(this);
        Staging = new StagingStore(this);
    }

    public long Now { get; }
    public long NowMs { get; }
    public PeerStore Peers { get; }
    public ListingStore Listings { get; }
    public AlertStore Alerts { get; }
    public OutboxStore Outbox { get; }
    public KeysetStore Keysets { get; }
    public StagingStore Staging { get; }

    public void Commit()
    {
        _transaction.Commit();
        if (Outbox.Written)
        {
            _outboxCommitted?.Invoke();
        }
    }

    public void Dispose()
    {
        try
        {
            _transaction.Dispose();
            _connection.Dispose();
        }
        finally
        {
            Interlocked.Exchange(ref _onDispose, null)?.Invoke();
        }
    }

    internal int Execute(string sql, object? param = null) => _connection.Execute(sql, param, _transaction);

    internal T ExecuteScalar<T>(string sql, object? param = null) => _connection.ExecuteScalar<T>(sql, param, _transaction)!;

    internal List<T> Query<T>(string sql, object? param = null) => _connection.Query<T>(sql, param, _transaction).AsList();

    internal IEnumerable<T> Stream<T>(string sql, object? param = null) => _connection.Query<T>(sql, param, _transaction, buffered: false);

    internal T? QuerySingleOrDefault<T>(string sql, object? param = null) => _connection.QuerySingleOrDefault<T>(sql, param, _transaction);

    internal T? QueryFirstOrDefault<T>(string sql, object? param = null) => _connection.QueryFirstOrDefault<T>(sql, param, _transaction);

    internal IEnumerable<TResult> Query<T1, T2, T3, TResult>(string sql, Func<T1, T2, T3, TResult> map, object? param, string splitOn) =>
        _connection.Query(sql, map, param, _transaction, splitOn: splitOn);
}
