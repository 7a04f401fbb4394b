
namespace Atlas.Indexer.Tests.Meilisearch;

/// <summary>The TestKit's process host, with bash as the child (it lives here next to the Meilisearch process tests).</summary>
public sealed class ProcessHostTests
{
    [Fact]
    public async Task RunToExit_returns_exit_code_and_both_streams()
    {
        var result = await ProcessHost.RunToExitAsync(
            new ProcessSpec("bash", "-c", "read line; echo \"out:$line:$ATLAS_PROBE\"; echo err >&2; exit 3")
                .WithEnvironment("ATLAS_PROBE", "env-ok"),
            TimeSpan.FromSeconds(20),
            standardInput: "stdin-ok\n");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("out:stdin-ok:env-ok", result.StandardOutput.Trim());
        Assert.Equal("err", result.StandardError.Trim());
    }

    [Fact]
    public async Task RunToExit_kills_on_timeout_and_reports_the_output()
    {
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => ProcessHost.RunToExitAsync(
            new ProcessSpec("bash", "-c", "echo before-sleep; sleep 60"),
            TimeSpan.FromMilliseconds(500)));

        Assert.Contains("before-sleep", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readiness_fails_fast_with_the_captured_output_when_the_process_exits()
    {
        await using var host = ProcessHost.Start(new ProcessSpec("bash", "-c", "echo bad-config >&2; exit 7"));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => host.WaitForHttpReadyAsync(FreePort.NextLoopbackUrl(), TimeSpan.FromSeconds(20)));

        Assert.Contains("exited with code 7", ex.Message, StringComparison.Ordinal);
        Assert.Contains("err| bad-config", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readiness_times_out_with_the_output_and_refuses_non_loopback_urls()
    {
        await using var host = ProcessHost.Start(new ProcessSpec("bash", "-c", "echo waiting; sleep 60"));

        var timeout = await Assert.ThrowsAsync<TimeoutException>(
            () => host.WaitForHttpReadyAsync(FreePort.NextLoopbackUrl(), TimeSpan.FromMilliseconds(600)));
        Assert.Contains("out| waiting", timeout.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<ArgumentException>(
            () => host.WaitForHttpReadyAsync(new Uri("http://example.org/health"), TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Hard_kill_takes_the_whole_tree()
    {
        await using var host = ProcessHost.Start(new ProcessSpec("bash", "-c", "sleep 300 & echo child=$!; wait"));
        await host.WaitForOutputAsync("child=", TimeSpan.FromSeconds(10));
        var childPid = int.Parse(host.Output.Snapshot().Single(l => l.Contains("child=", StringComparison.Ordinal)).Split('=')[1],
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(IsAlive(childPid));

        await host.KillAsync(hard: true);

        Assert.True(host.HasExited);
        await Poll.UntilAsync(() => !IsAlive(childPid), $"child {childPid} to die", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Graceful_stop_sends_sigterm_first()
    {
        await using var host = ProcessHost.Start(new ProcessSpec(
            "bash", "-c", "trap 'echo got-term; exit 0' TERM; echo ready; while true; do sleep 0.05; done"));
        await host.WaitForOutputAsync("ready", TimeSpan.FromSeconds(10));

        var exitCode = await host.StopAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, exitCode);
        await Poll.UntilAsync(() => host.Output.Contains("got-term"), "the trap's output", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Output_buffer_keeps_only_the_most_recent_lines()
    {
        var buffer = new OutputBuffer(3);
        for (var i = 1; i <= 5; i++)
        {
            buffer.Add($"line {i}");
        }

        Assert.Equal(["line 3", "line 4", "line 5"], buffer.Snapshot());
        Assert.Equal(2, buffer.DroppedLines);
        Assert.StartsWith("… (2 earlier lines dropped)", buffer.ToString(), StringComparison.Ordinal);
    }

    private static bool IsAlive(int pid)
    {
        // A killed child may linger as a zombie when PID 1 does not reap: count that as dead.
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        try
        {
            var text = File.ReadAllText(stat);
            var state = text[(text.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && state != "X";
        }
        catch (IOException)
        {
            return false;
        }
    }
}
