namespace Atlas.TestKit.Processes;

/// <summary>What <see cref="IndexerProcess.StartAsync"/> waits for after starting <c>run</c>.</summary>
public enum IndexerWait
{
    /// <summary>Returns as soon as the process is started.</summary>
    Nothing,

    /// <summary><c>/health/live</c> answers 2xx.</summary>
    Live,

    /// <summary><c>/health/ready</c> answers 2xx (state database opens and Meilisearch answers).</summary>
    Ready,
}

/// <summary>
/// The real indexer executable (<c>dotnet artifacts/bin/Atlas.Indexer/&lt;config&gt;/Atlas.Indexer.dll</c>). Settings are
/// configuration keys as the indexer binds them (<c>Indexer:Database</c>, <c>Indexer:MeilisearchUrl</c>, …) and are
/// passed as environment variables (<c>Indexer__Database</c>, …). <see cref="RunCliAsync"/> runs one command to exit;
/// <see cref="StartAsync"/> runs <c>run --urls http://127.0.0.1:PORT</c> and owns the process until disposed.
/// </summary>
public sealed class IndexerProcess : IAsyncDisposable
{
    private ProcessHost? _host;

    private IndexerProcess(IReadOnlyDictionary<string, string?> settings, int port)
    {
        Settings = settings;
        Port = port;
        Url = $"http://127.0.0.1:{port}";
    }

    /// <summary>The configuration the process was started with (keys like <c>Indexer:Database</c>).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT</c> (no trailing slash): health, metrics and the push endpoint.</summary>
    public string Url { get; }

    public ProcessHost Host => _host ?? throw new InvalidOperationException("The indexer is not started.");

    public bool IsRunning => _host is { HasExited: false };

    /// <summary>The usual settings of a test indexer: its state database, a Meilisearch and an index uid.</summary>
    public static Dictionary<string, string?> CreateSettings(string database, Uri meilisearchUrl, string? meilisearchKey, string index) => new()
    {
        ["Indexer:Database"] = database,
        ["Indexer:MeilisearchUrl"] = meilisearchUrl.ToString(),
        ["Indexer:MeilisearchKey"] = meilisearchKey,
        ["Indexer:Index"] = index,
    };

    /// <summary>Configuration keys as environment variables (<c>:</c> becomes <c>__</c>).</summary>
    public static Dictionary<string, string?> ToEnvironment(IEnumerable<KeyValuePair<string, string?>> settings) =>
        settings.ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value);

    /// <summary>Runs one indexer command to exit (<c>peers add …</c>, <c>sync --once</c>, <c>status</c>, …) with a bounded wait.</summary>
    public static Task<ProcessResult> RunCliAsync(
        IReadOnlyDictionary<string, string?> settings,
        IEnumerable<string> arguments,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        ProcessHost.RunToExitAsync(Spec(settings, arguments), timeout, cancellationToken: cancellationToken);

    /// <summary>Runs one indexer command to exit.</summary>
    public static Task<ProcessResult> RunCliAsync(IReadOnlyDictionary<string, string?> settings, params string[] arguments) =>
        RunCliAsync(settings, (IEnumerable<string>)arguments);

    /// <summary>
    /// Starts <c>run --urls http://127.0.0.1:PORT</c> (a free port unless given) and waits as asked. Throws (with the
    /// captured output) if the process exits or is not up within <paramref name="readyTimeout"/> (default 45 s).
    /// </summary>
    public static async Task<IndexerProcess> StartAsync(
        IReadOnlyDictionary<string, string?> settings,
        IndexerWait wait = IndexerWait.Live,
        int? port = null,
        TimeSpan? readyTimeout = null,
        CancellationToken cancellationToken = default)
    {
        var indexer = new IndexerProcess(settings, port ?? FreePort.Next());
        indexer._host = ProcessHost.Start(Spec(settings, ["run", "--urls", indexer.Url]) with { Name = "indexer" });
        try
        {
            var limit = readyTimeout ?? TimeSpan.FromSeconds(45);
            if (wait is IndexerWait.Live or IndexerWait.Ready)
            {
                await indexer.Host.WaitForHttpReadyAsync(new Uri(indexer.Url + "/health/live"), limit, cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
            }

            if (wait == IndexerWait.Ready)
            {
                await indexer.Host.WaitForHttpReadyAsync(new Uri(indexer.Url + "/health/ready"), limit, cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
            }

            return indexer;
        }
        catch
        {
            await indexer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Graceful stop (SIGTERM, then SIGKILL); returns the exit code.</summary>
    public Task<int> StopAsync(TimeSpan? timeout = null) => Host.StopAsync(timeout);

    /// <summary>SIGKILL of the process tree (a crash: no final flush).</summary>
    public Task KillAsync() => Host.KillAsync(hard: true);

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static ProcessSpec Spec(IReadOnlyDictionary<string, string?> settings, IEnumerable<string> arguments) =>
        ProcessSpec.Dotnet(RepoPaths.IndexerDll, arguments) with
        {
            Environment = new Dictionary<string, string?>(ToEnvironment(settings)) { ["DOTNET_NOLOGO"] = "1" },
        };
}
