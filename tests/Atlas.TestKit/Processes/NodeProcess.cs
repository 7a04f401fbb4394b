namespace Atlas.TestKit.Processes;

/// <summary>How to create a test node; everything defaults to fresh values.</summary>
public sealed record NodeProcessOptions
{
    public string NodeId { get; init; } = "berlin";

    /// <summary>Display name; null = <c>Atlas {NodeId}</c>.</summary>
    public string? Name { get; init; }

    public string Region { get; init; } = "test";

    /// <summary>Data directory; null = <c>data</c> inside a temp directory owned (and deleted) by the node.</summary>
    public string? DataDir { get; init; }

    /// <summary>Port on 127.0.0.1; null = a free port.</summary>
    public int? Port { get; init; }

    /// <summary>Environment of <c>serve</c> (and of the CLI commands run through the node); a null value removes a variable.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(45);
}

/// <summary>
/// A real node (<c>dotnet artifacts/bin/Atlas.Api/&lt;config&gt;/Atlas.Api.dll</c>) on 127.0.0.1: <see cref="InitAsync"/>
/// runs <c>init</c> through the CLI, <see cref="StartAsync"/> runs <c>serve --data DIR --urls URL</c> and waits for
/// <c>/health/live</c> (and <c>/health/ready</c> on request). It can be stopped, killed and started again on the same
/// data directory and port; disposing kills it and deletes the temp directory it owns.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly TempDirectory _temp;
    private readonly System.Text.StringBuilder _earlierRuns = new();
    private ProcessHost? _host;

    private NodeProcess(NodeProcessOptions options, TempDirectory temp, string dataDir, int port)
    {
        Options = options;
        _temp = temp;
        DataDir = dataDir;
        Port = port;
        BaseUrl = $"http://127.0.0.1:{port}";
        Environment = new Dictionary<string, string?>(options.Environment);
    }

    public NodeProcessOptions Options { get; }

    public string NodeId => Options.NodeId;

    public string DataDir { get; }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT</c> (no trailing slash), also the node's configured base URL.</summary>
    public string BaseUrl { get; }

    /// <summary>The root key id printed by <c>init</c> (what an indexer pins).</summary>
    public string RootKid { get; private set; } = "";

    /// <summary>Environment of the next <see cref="StartAsync"/> and of <see cref="CliAsync"/>; may be changed between starts.</summary>
    public Dictionary<string, string?> Environment { get; }

    /// <summary>A temp directory owned by this node (deleted on dispose), for files a test writes.</summary>
    public TempDirectory Temp => _temp;

    /// <summary>The running <c>serve</c> process, or null.</summary>
    public ProcessHost? Host => _host;

    public bool IsRunning => _host is { HasExited: false };

    /// <summary>Output of every <c>serve</c> run of this node so far (up to 100,000 lines a run), for "never logged" checks.</summary>
    public string Log => _earlierRuns + (_host?.Output.ToString() ?? "");

    /// <summary>Runs the node executable to exit (any command) with a bounded wait.</summary>
    public static Task<ProcessResult> RunCliAsync(
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        ProcessHost.RunToExitAsync(
            ProcessSpec.Dotnet(RepoPaths.ApiDll, arguments) with { Environment = environment ?? new Dictionary<string, string?>() },
            timeout,
            cancellationToken: cancellationToken);

    /// <summary>Runs the node executable to exit with the given arguments.</summary>
    public static Task<ProcessResult> RunCliAsync(params string[] arguments) => RunCliAsync((IEnumerable<string>)arguments);

    /// <summary>Creates the data directory with <c>init</c> (not started yet).</summary>
    public static async Task<NodeProcess> InitAsync(NodeProcessOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new NodeProcessOptions();
        var temp = new TempDirectory("atlas-node");
        var node = new NodeProcess(options, temp, options.DataDir ?? temp.Combine("data"), options.Port ?? FreePort.Next());
        try
        {
            var init = await RunCliAsync(
                    [
                        "init", "--data", node.DataDir, "--node-id", options.NodeId, "--name", options.Name ?? $"Atlas {options.NodeId}",
                        "--base-url", node.BaseUrl, "--region", options.Region,
                    ],
                    node.Environment,
                    cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            if (init.ExitCode != 0)
            {
                throw new InvalidOperationException($"init failed: {init}");
            }

            const string prefix = "root-kid: ";
            node.RootKid = init.StandardOutput.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..].Trim();
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary><see cref="InitAsync"/> then <see cref="StartAsync"/>.</summary>
    public static async Task<NodeProcess> StartNewAsync(
        NodeProcessOptions? options = null,
        bool waitReady = false,
        CancellationToken cancellationToken = default)
    {
        var node = await InitAsync(options, cancellationToken).ConfigureAwait(false);
        try
        {
            await node.StartAsync(waitReady, cancellationToken).ConfigureAwait(false);
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs a CLI command against this node's data directory (<c>--data DIR</c> is appended).</summary>
    public Task<ProcessResult> CliAsync(params string[] arguments) =>
        RunCliAsync([.. arguments, "--data", DataDir], Environment);

    /// <summary>Runs a CLI command against this node's data directory and returns stdout; throws unless it exits 0.</summary>
    public async Task<string> CliOkAsync(params string[] arguments)
    {
        var result = await CliAsync(arguments).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', arguments)} failed: {result}");
        }

        return result.StandardOutput;
    }

    /// <summary><c>token create --role ROLE --name NAME</c>; returns the token.</summary>
    public async Task<string> CreateTokenAsync(string role, string name) =>
        (await CliOkAsync("token", "create", "--role", role, "--name", name).ConfigureAwait(false)).Trim();

    /// <summary>
    /// Starts <c>serve</c> and waits for <c>/health/live</c> (and <c>/health/ready</c> when <paramref name="waitReady"/>).
    /// Throws (with the captured output) if it exits or is not up within <see cref="NodeProcessOptions.ReadyTimeout"/>.
    /// </summary>
    public async Task StartAsync(bool waitReady = false, CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("The node is already running.");
        }

        if (_host is not null)
        {
            await _host.DisposeAsync().ConfigureAwait(false);
            _earlierRuns.Append(_host.Output).AppendLine();
            _host = null;
        }

        var spec = ProcessSpec.Dotnet(RepoPaths.ApiDll, "serve", "--data", DataDir, "--urls", BaseUrl) with
        {
            Name = $"node {NodeId}",
            Environment = Environment,
            OutputCapacity = 100_000,
        };
        _host = ProcessHost.Start(spec);
        await _host.WaitForHttpReadyAsync(new Uri(BaseUrl + "/health/live"), Options.ReadyTimeout, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        if (waitReady)
        {
            await WaitReadyAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until <c>/health/ready</c> answers 2xx.</summary>
    public Task WaitReadyAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        RunningHost.WaitForHttpReadyAsync(new Uri(BaseUrl + "/health/ready"), timeout ?? Options.ReadyTimeout, cancellationToken: cancellationToken);

    /// <summary>Graceful stop (SIGTERM, then SIGKILL); no-op when not running.</summary>
    public async Task StopAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>SIGKILL (a crash); no-op when not running.</summary>
    public async Task KillAsync()
    {
        if (_host is not null)
        {
            await _host.KillAsync(hard: true).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_host is not null)
            {
                await _host.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _temp.Dispose();
        }
    }

    private ProcessHost RunningHost => _host ?? throw new InvalidOperationException("The node is not started.");
}
