namespace Atlas.TestKit.Processes;

/// <summary>Outcome of a process run to completion.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"exit code {ExitCode} after {Elapsed.TotalSeconds:0.00} s\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}
