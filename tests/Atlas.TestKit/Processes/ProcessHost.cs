using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace Atlas.TestKit.Processes;

/// <summary>
/// A real child process started for a test: output captured into a bounded ring buffer, HTTP readiness polling on
/// loopback, hard kill of the whole tree (SIGKILL) or graceful stop (SIGTERM, then SIGKILL). Disposing always kills
/// what was started.
/// </summary>
public sealed class ProcessHost : IAsyncDisposable
{
    public static readonly TimeSpan DefaultReadyTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultRunTimeout = TimeSpan.FromMinutes(2);

    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly Stopwatch _uptime = Stopwatch.StartNew();
    private int _disposed;
    private int? _exitCode;

    private ProcessHost(ProcessSpec spec, Process process)
    {
        Spec = spec;
        _process = process;
        Output = new OutputBuffer(spec.OutputCapacity);
    }

    public ProcessSpec Spec { get; }

    public string Name => Spec.DisplayName;

    /// <summary>Recent stdout ("out| ") and stderr ("err| ") lines.</summary>
    public OutputBuffer Output { get; }

    /// <summary>The process id (kept after dispose).</summary>
    public int Id { get; private set; }

    /// <summary>True once the process has exited (always true after dispose).</summary>
    public bool HasExited => Volatile.Read(ref _disposed) != 0 || _process.HasExited;

    /// <summary>The exit code once exited (kept after dispose), else null.</summary>
    public int? ExitCode
    {
        get
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return _exitCode;
            }

            return _process.HasExited ? _process.ExitCode : null;
        }
    }

    /// <summary>Starts the process; output is captured from the first line.</summary>
    public static ProcessHost Start(ProcessSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var process = new Process { StartInfo = CreateStartInfo(spec), EnableRaisingEvents = true };
        var host = new ProcessHost(spec, process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                host.Output.Add("out| " + e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                host.Output.Add("err| " + e.Data);
            }
        };

        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {spec.DisplayName} ({spec.FileName}).");
        }

        host.Id = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Starts <c>dotnet &lt;dll&gt; args…</c> with extra environment variables.</summary>
    public static ProcessHost StartDotnet(
        string dllPath,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null) =>
        Start(ProcessSpec.Dotnet(dllPath, arguments) with
        {
            Environment = environment ?? new Dictionary<string, string?>(),
        });

    /// <summary>
    /// Runs a process to completion (a CLI invocation) and returns its exit code and full output. On timeout the
    /// process tree is killed and a <see cref="TimeoutException"/> carrying the output so far is thrown.
    /// </summary>
    public static async Task<ProcessResult> RunToExitAsync(
        ProcessSpec spec,
        TimeSpan? timeout = null,
        string? standardInput = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var limit = timeout ?? DefaultRunTimeout;
        var startInfo = CreateStartInfo(spec);
        startInfo.RedirectStandardInput = true;
        using var process = new Process { StartInfo = startInfo };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };

        var watch = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        process.StandardInput.Close();

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            await WaitQuietlyAsync(process, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException(
                $"{spec.DisplayName} did not exit within {limit.TotalSeconds:0.#} s and was killed.\n" +
                $"--- stdout ---\n{Read(stdout)}\n--- stderr ---\n{Read(stderr)}");
        }

        return new ProcessResult(process.ExitCode, Read(stdout), Read(stderr), watch.Elapsed);
    }

    /// <summary>
    /// Polls <paramref name="url"/> (loopback only) until it answers 2xx (or <paramref name="isReady"/> accepts the
    /// response). Fails fast if the process exits; on timeout throws with the captured output.
    /// </summary>
    public async Task WaitForHttpReadyAsync(
        Uri url,
        TimeSpan? timeout = null,
        Func<HttpResponseMessage, bool>? isReady = null,
        CancellationToken cancellationToken = default)
    {
        EnsureLoopback(url);
        var limit = timeout ?? DefaultReadyTimeout;
        var deadline = Stopwatch.StartNew();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var lastProblem = "no attempt yet";
        var delay = TimeSpan.FromMilliseconds(25);
        while (deadline.Elapsed < limit)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                // Let the output readers drain so the exception carries the last lines the process printed.
                await WaitQuietlyAsync(_process, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                throw new InvalidOperationException(Describe($"exited with code {_process.ExitCode} before {url} was ready"));
            }

            try
            {
                using var response = await http.GetAsync(url, cancellationToken).ConfigureAwait(false);
                if (isReady?.Invoke(response) ?? response.IsSuccessStatusCode)
                {
                    return;
                }

                lastProblem = $"HTTP {(int)response.StatusCode} {response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                lastProblem = ex.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lastProblem = "request timed out";
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }

        throw new TimeoutException(Describe($"was not ready at {url} within {limit.TotalSeconds:0.#} s (last: {lastProblem})"));
    }

    /// <summary>Waits until a captured output line contains <paramref name="text"/>; bounded, fails if the process exits.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? DefaultReadyTimeout;
        var watch = Stopwatch.StartNew();
        while (!Output.Contains(text))
        {
            if (_process.HasExited)
            {
                await WaitQuietlyAsync(_process, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                if (Output.Contains(text))
                {
                    return;
                }

                throw new InvalidOperationException(Describe($"exited with code {_process.ExitCode} before printing '{text}'"));
            }

            if (watch.Elapsed >= limit)
            {
                throw new TimeoutException(Describe($"did not print '{text}' within {limit.TotalSeconds:0.#} s"));
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the process to exit by itself; returns its exit code or throws on timeout (the process keeps running).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? DefaultStopTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(limit);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(Describe($"did not exit within {limit.TotalSeconds:0.#} s"));
        }

        return _process.ExitCode;
    }

    /// <summary>
    /// Kills the process. <paramref name="hard"/> = SIGKILL of the whole process tree (a crash); otherwise a graceful
    /// stop (<see cref="StopAsync"/>). Returns once the process has exited.
    /// </summary>
    public Task KillAsync(bool hard = true)
    {
        if (!hard)
        {
            return StopAsync();
        }

        KillTree(_process);
        return WaitQuietlyAsync(_process, DefaultStopTimeout);
    }

    /// <summary>Graceful stop: SIGTERM, wait up to <paramref name="timeout"/>, then SIGKILL of the tree. Returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        if (!_process.HasExited)
        {
            if (OperatingSystem.IsWindows() || SysKill(_process.Id, SigTerm) != 0)
            {
                KillTree(_process);
            }

            using var cts = new CancellationTokenSource(timeout ?? DefaultStopTimeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                KillTree(_process);
            }
        }

        await WaitQuietlyAsync(_process, DefaultStopTimeout).ConfigureAwait(false);
        return _process.HasExited ? _process.ExitCode : -1;
    }

    /// <summary>A diagnostic text: name, pid, state and the captured output.</summary>
    public string Describe(string what) =>
        $"{Name} (pid {SafeId()}) {what}.\n--- last output of {Name} ---\n{Output}";

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            KillTree(_process);
            await WaitQuietlyAsync(_process, DefaultStopTimeout).ConfigureAwait(false);
            _exitCode = _process.HasExited ? _process.ExitCode : null;
        }
        finally
        {
            _process.Dispose();
        }
    }

    public override string ToString() => $"{Name} (pid {SafeId()}, up {_uptime.Elapsed.TotalSeconds:0.0} s)";

    internal static void EnsureLoopback(Uri url)
    {
        if (!url.IsAbsoluteUri || !IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) || !IPAddress.IsLoopback(ip))
        {
            throw new ArgumentException($"Use an explicit loopback IP (127.0.0.1), not {url.Host}.", nameof(url));
        }
    }

    private static ProcessStartInfo CreateStartInfo(ProcessSpec spec)
    {
        var psi = new ProcessStartInfo(spec.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            CreateNoWindow = true,
            WorkingDirectory = spec.WorkingDirectory ?? Directory.GetCurrentDirectory(),
        };
        foreach (var argument in spec.Arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in spec.Environment)
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        return psi;
    }

    private static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited or never started.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exiting concurrently.
        }
    }

    private static async Task WaitQuietlyAsync(Process process, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Bounded: a process holding its pipes open through a grandchild must not hang the test run.
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
    }

    private static string Read(StringBuilder sb)
    {
        lock (sb)
        {
            return sb.ToString();
        }
    }

    private string SafeId() => Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
