using System.Diagnostics;

namespace Atlas.TestKit;

/// <summary>Well-known paths of the repository checkout and of its build outputs.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);
    private static readonly Lazy<string> LazyConfiguration = new(DetectConfiguration);
    private static readonly Lazy<string> LazyMeilisearch = new(LocateMeilisearch);

    /// <summary>The repository root: the nearest ancestor of the test assembly holding Directory.sln.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>"debug" or "release", taken from the test assembly's own output path (artifacts/bin/&lt;Project&gt;/&lt;config&gt;/).</summary>
    public static string Configuration => LazyConfiguration.Value;

    public static string ArtifactsBin => Path.Combine(Root, "artifacts", "bin");

    /// <summary>artifacts/bin/Atlas.Api/&lt;config&gt;/Atlas.Api.dll</summary>
    public static string ApiDll => BuiltAssembly("Atlas.Api");

    /// <summary>artifacts/bin/Atlas.Indexer/&lt;config&gt;/Atlas.Indexer.dll</summary>
    public static string IndexerDll => BuiltAssembly("Atlas.Indexer");

    public static string MeilisearchInstallScript => Path.Combine(Root, "deploy", "local", "meilisearch", "install.sh");

    /// <summary>
    /// The meilisearch binary: $MEILI_BIN when set, else the binary installed by deploy/local/meilisearch/install.sh
    /// (run once per test process; it is idempotent and only verifies the hash when already installed).
    /// </summary>
    public static string MeilisearchBinary => LazyMeilisearch.Value;

    /// <summary>Path of a project's built assembly for the current configuration; throws if it was not built.</summary>
    public static string BuiltAssembly(string projectName)
    {
        var path = Path.Combine(ArtifactsBin, projectName, Configuration, projectName + ".dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{projectName} is not built for configuration '{Configuration}'. Build it first (dotnet build {projectName}).",
                path);
        }

        return path;
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Directory.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException($"Directory.sln not found above {AppContext.BaseDirectory}.");
    }

    private static string DetectConfiguration()
    {
        // UseArtifactsOutput: artifacts/bin/<Project>/<pivot>/ where pivot is "debug", "release" or e.g. "release_linux-x64".
        var dir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        for (var d = dir; d is not null; d = d.Parent)
        {
            var pivot = d.Name.Split('_')[0].ToLowerInvariant();
            if (pivot is "debug" or "release")
            {
                return pivot;
            }
        }

#if DEBUG
        return "debug";
#else
        return "release";
#endif
    }

    private static string LocateMeilisearch()
    {
        var fromEnv = Environment.GetEnvironmentVariable("MEILI_BIN");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            if (!File.Exists(fromEnv))
            {
                throw new FileNotFoundException("MEILI_BIN points to a missing file.", fromEnv);
            }

            return fromEnv;
        }

        var script = MeilisearchInstallScript;
        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(script)!,
        };
        psi.ArgumentList.Add(script);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start bash.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish within 5 minutes.");
        }

        process.WaitForExit();
        var path = stdout.Result.Trim().Split('\n').LastOrDefault()?.Trim();
        if (process.ExitCode != 0 || string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException(
                $"{script} failed (exit {process.ExitCode}).\nstdout:\n{stdout.Result}\nstderr:\n{stderr.Result}");
        }

        return path;
    }
}
