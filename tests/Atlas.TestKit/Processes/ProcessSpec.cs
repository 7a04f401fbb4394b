namespace Atlas.TestKit.Processes;

/// <summary>What to start: an executable with arguments, extra environment variables and a working directory.</summary>
public sealed record ProcessSpec
{
    public ProcessSpec(string fileName, params IEnumerable<string> arguments)
    {
        FileName = fileName;
        Arguments = [.. arguments];
    }

    public string FileName { get; init; }

    public IReadOnlyList<string> Arguments { get; init; }

    /// <summary>Variables added to (or, when the value is null, removed from) the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public string? WorkingDirectory { get; init; }

    /// <summary>Name used in diagnostics; defaults to the file name of the executable or dll.</summary>
    public string? Name { get; init; }

    /// <summary>How many of the most recent output lines (stdout and stderr together) are kept for diagnostics.</summary>
    public int OutputCapacity { get; init; } = 2000;

    /// <summary><c>dotnet &lt;dll&gt; args…</c> with the same dotnet host that runs the tests.</summary>
    public static ProcessSpec Dotnet(string dllPath, params IEnumerable<string> arguments) =>
        new(DotnetHost.Path, [dllPath, .. arguments]) { Name = System.IO.Path.GetFileNameWithoutExtension(dllPath) };

    public ProcessSpec WithEnvironment(string name, string? value) =>
        this with { Environment = new Dictionary<string, string?>(Environment) { [name] = value } };

    public ProcessSpec WithEnvironment(IEnumerable<KeyValuePair<string, string?>> variables)
    {
        var merged = new Dictionary<string, string?>(Environment);
        foreach (var (key, value) in variables)
        {
            merged[key] = value;
        }

        return this with { Environment = merged };
    }

    internal string DisplayName => Name ?? System.IO.Path.GetFileName(FileName);
}
