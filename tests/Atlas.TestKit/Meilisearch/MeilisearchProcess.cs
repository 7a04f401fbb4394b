using System.Net.Http.Headers;
using System.Security.Cryptography;
using Atlas.TestKit.Processes;

namespace Atlas.TestKit.Meilisearch;

/// <summary>Options of a test Meilisearch instance; everything defaults to fresh, random values.</summary>
public sealed record MeilisearchProcessOptions
{
    /// <summary>Database directory; null = a temp directory owned (and deleted) by the process wrapper.</summary>
    public string? DbPath { get; init; }

    /// <summary>Keeps the owned temp directory on a RAM disk (/dev/shm) when there is one: a throwaway database
    /// without fsync latency, which dominates indexing time on a busy shared disk. It survives SIGKILL all the same.</summary>
    public bool MemoryBacked { get; init; } = true;

    /// <summary>Master key; null = 32 random hex characters.</summary>
    public string? MasterKey { get; init; }

    /// <summary>Port on 127.0.0.1; null = a free port.</summary>
    public int? Port { get; init; }

    /// <summary>Binary; null = <see cref="RepoPaths.MeilisearchBinary"/>.</summary>
    public string? Binary { get; init; }

    /// <summary>Passed as --max-indexing-threads; null = Meilisearch's default (all cores).</summary>
    public int? MaxIndexingThreads { get; init; }

    /// <summary>Passed as --max-indexing-memory: as deploy/compose and deploy/systemd run it. Meilisearch's default (2/3 of
    /// the RAM) sets up buffers of that budget for every batch, so a write of one document costs up to 2 s instead of
    /// milliseconds (docs/performance.md §14).</summary>
    public string MaxIndexingMemory { get; init; } = "256MiB";

    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Runs Meilisearch under <c>ulimit -f</c> (KiB; SIGXFSZ ignored, so a write past it fails with EFBIG like
    /// a full disk); null = no limit. <see cref="MeilisearchProcess.FileSizeLimitKb"/> changes it for the next restart.</summary>
    public long? FileSizeLimitKb { get; init; }

    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}

/// <summary>
/// A real Meilisearch on a free 127.0.0.1 port with its own db directory and a random master key
/// (<c>--no-analytics --env development</c>). It can be killed with SIGKILL and restarted on the same db dir and port.
/// </summary>
public sealed class MeilisearchProcess : IAsyncDisposable
{
    private readonly TempDirectory _workDir;
    private readonly MeilisearchProcessOptions _options;
    private ProcessHost? _host;

    private MeilisearchProcess(MeilisearchProcessOptions options, TempDirectory workDir, string dbPath, string masterKey, int port)
    {
        _options = options;
        FileSizeLimitKb = options.FileSizeLimitKb;
        _workDir = workDir;
        DbPath = dbPath;
        MasterKey = masterKey;
        Port = port;
        Url = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri Url { get; }

    public int Port { get; }

    public string MasterKey { get; }

    public string DbPath { get; }

    /// <summary>The running process (null after <see cref="KillAsync"/> until <see cref="RestartAsync"/>).</summary>
    public ProcessHost? Host => _host;

    public bool IsRunning => _host is { HasExited: false };

    /// <summary>The file-size limit (KiB) the next start or restart runs under; null = none (a disk with space).</summary>
    public long? FileSizeLimitKb { get; set; }

    public static async Task<MeilisearchProcess> StartAsync(
        MeilisearchProcessOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new MeilisearchProcessOptions();
        var workDir = new TempDirectory("atlas-meili", options.MemoryBacked ? TempDirectory.MemoryBacked : null);
        var dbPath = options.DbPath ?? workDir.Combine("data.ms");
        var masterKey = options.MasterKey ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var port = options.Port ?? FreePort.Next();
        var meili = new MeilisearchProcess(options, workDir, dbPath, masterKey, port);
        try
        {
            await meili.LaunchAsync(cancellationToken).ConfigureAwait(false);
            return meili;
        }
        catch
        {
            await meili.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>An HttpClient with BaseAddress = <see cref="Url"/> and the given key (default: the master key) as Bearer.</summary>
    public HttpClient CreateHttpClient(string? apiKey = null)
    {
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = Url,
            Timeout = TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey ?? MasterKey);
        return http;
    }

    /// <summary>SIGKILL (a crash): no graceful shutdown, the db dir is kept.</summary>
    public async Task KillAsync()
    {
        if (_host is not null)
        {
            await _host.KillAsync(hard: true).ConfigureAwait(false);
            await _host.DisposeAsync().ConfigureAwait(false);
            _host = null;
        }
    }

    /// <summary>Starts Meilisearch again on the same db dir, port and master key (kills the current one first if running).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await KillAsync().ConfigureAwait(false);
        await LaunchAsync(cancellationToken).ConfigureAwait(false);
    }

    public string Describe(string what) => _host?.Describe(what) ?? $"meilisearch (not running) {what}";

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync().ConfigureAwait(false);
        }
        finally
        {
            _workDir.Dispose();
        }
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        List<string> args =
        [
            "--db-path", DbPath,
            "--http-addr", $"127.0.0.1:{Port}",
            "--master-key", MasterKey,
            "--env", "development",
            "--no-analytics",
            "--dump-dir", _workDir.Combine("dumps"),
            "--snapshot-dir", _workDir.Combine("snapshots"),
            "--log-level", "WARN",
            "--max-indexing-memory", _options.MaxIndexingMemory,
        ];
        if (_options.MaxIndexingThreads is { } threads)
        {
            args.AddRange(["--max-indexing-threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        args.AddRange(_options.ExtraArguments);
        var binary = _options.Binary ?? RepoPaths.MeilisearchBinary;
        var spec = new ProcessSpec(FileSizeLimitKb is null ? binary : "bash",
            FileSizeLimitKb is { } kb ? ["-c", $"trap '' XFSZ; ulimit -f {kb}; exec \"$0\" \"$@\"", binary, .. args] : args)
        {
            Name = "meilisearch",
            WorkingDirectory = _workDir.Path,
            Environment = new Dictionary<string, string?>
            {
                // Never let an inherited MEILI_* variable change the instance under test.
                ["MEILI_MASTER_KEY"] = null,
                ["MEILI_ENV"] = null,
                ["MEILI_HTTP_ADDR"] = null,
                ["MEILI_DB_PATH"] = null,
                ["MEILI_CONFIG_FILE_PATH"] = null,
            },
        };
        var host = ProcessHost.Start(spec);
        try
        {
            await host.WaitForHttpReadyAsync(new Uri(Url, "/health"), _options.ReadyTimeout, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _host = host;
    }
}
