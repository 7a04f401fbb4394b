using System.Text.RegularExpressions;

namespace Atlas.Deploy.Tests;

public class DockerfileTests
{
    public static TheoryData<string> Dockerfiles => new() { "api.Dockerfile", "indexer.Dockerfile", "web.Dockerfile" };

    static string[] Lines(string file) =>
        Repo.Read("deploy", "docker", file).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

    static readonly Regex Official = new(
        @"^(mcr\.microsoft\.com/dotnet/(sdk|aspnet):10\.0|node:\d+(-[a-z]+)*(-slim)?|caddy:2\.\d+(\.\d+)?-alpine)$");

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Images_are_official_and_pinned(string file)
    {
        var froms = Lines(file).Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToArray();
        Assert.True(froms.Length >= 2, $"{file}: expected a multi-stage build");
        foreach (var from in froms)
        {
            var image = from.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            Assert.Matches(Official, image);
            Assert.DoesNotContain(":latest", image);
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Final_stage_runs_as_non_root(string file)
    {
        var lines = Lines(file);
        var lastFrom = Array.FindLastIndex(lines, l => l.StartsWith("FROM ", StringComparison.Ordinal));
        var users = lines.Skip(lastFrom).Where(l => l.StartsWith("USER ", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(users);
        var user = users[^1][5..].Trim();
        Assert.DoesNotMatch("^(root|0)(:.*)?$", user);
        Assert.Contains(lines.Skip(lastFrom), l => l.StartsWith("CMD ", StringComparison.Ordinal) || l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("api.Dockerfile", "api/Atlas.Api.csproj", "Atlas.Api.dll")]
    [InlineData("indexer.Dockerfile", "indexer/Atlas.Indexer.csproj", "Atlas.Indexer.dll")]
    public void Dotnet_images_restore_with_central_package_files_then_publish(string file, string project, string dll)
    {
        var lines = Lines(file);
        var restore = Array.FindIndex(lines, l => l.StartsWith("RUN dotnet restore " + project, StringComparison.Ordinal));
        var publish = Array.FindIndex(lines, l => l.StartsWith("RUN dotnet publish " + project, StringComparison.Ordinal));
        var central = Array.FindIndex(lines, l => l.StartsWith("COPY ", StringComparison.Ordinal)
            && l.Contains("global.json") && l.Contains("Directory.Build.props") && l.Contains("Directory.Packages.props"));
        Assert.True(central >= 0 && restore > central && publish > restore, $"{file}: central files -> restore -> publish order");
        Assert.Contains(lines, l => l == $"ENTRYPOINT [\"dotnet\", \"{dll}\"]");
        // Every local COPY source of the build stage exists in the repository.
        foreach (var copy in lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=")))
        {
            var parts = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1];
            foreach (var src in parts)
            {
                var p = Repo.PathOf(src.TrimEnd('/').Split('/'));
                Assert.True(File.Exists(p) || Directory.Exists(p), $"{file}: COPY source {src} missing");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Build_context_excludes_keys_and_secrets(string file)
    {
        var ignore = Repo.PathOf("deploy", "docker", file + ".dockerignore");
        Assert.True(File.Exists(ignore), "missing " + ignore);
        var rules = File.ReadAllLines(ignore).Select(l => l.Trim()).ToHashSet();
        foreach (var must in new[] { "**/*.pem", "**/.env", "deploy/compose/secrets/", "**/.git", "**/node_modules/" })
        {
            Assert.Contains(must, rules);
        }
    }

    [Fact]
    public void Web_image_ships_the_tested_caddyfile_and_drops_file_capabilities()
    {
        var lines = Lines("web.Dockerfile");
        Assert.Contains("COPY deploy/caddy/ /etc/caddy/", lines);   // the Caddyfile and the search-pairs files it imports
        Assert.Contains("RUN setcap -r /usr/bin/caddy", lines);
        Assert.Contains(lines, l => l.StartsWith("RUN npm ci", StringComparison.Ordinal));
    }
}
