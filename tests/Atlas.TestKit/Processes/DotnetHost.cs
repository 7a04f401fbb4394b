namespace Atlas.TestKit.Processes;

/// <summary>The dotnet muxer used to run built assemblies (<c>dotnet x.dll</c>).</summary>
public static class DotnetHost
{
    private static readonly Lazy<string> LazyPath = new(Find);

    public static string Path => LazyPath.Value;

    private static string Find()
    {
        var hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(hostPath) && File.Exists(hostPath))
        {
            return hostPath;
        }

        var processPath = Environment.ProcessPath;
        if (processPath is not null && System.IO.Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            return processPath;
        }

        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(System.IO.Path.Combine(root, "dotnet")))
        {
            return System.IO.Path.Combine(root, "dotnet");
        }

        return "dotnet";
    }
}
