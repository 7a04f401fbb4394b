using System.Net;
using Atlas.Api.Tests.Infrastructure;

namespace Atlas.Api.Tests;

/// <summary>The node serves its own pages from Node:PagesDir on its own origin, under a CSP that allows this origin
/// only, and nothing from that folder but the pages and the build's flat asset names.</summary>
public sealed class NodePagesTests
{
    [Fact]
    public async Task Pages_and_assets_are_served_with_a_self_only_csp_and_nothing_else_from_the_folder()
    {
        using var pages = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(pages.Path, "assets"));
        foreach (var page in new[] { "propose", "receipt", "console" })
        {
            await File.WriteAllTextAsync(Path.Combine(pages.Path, page + ".html"), $"<!doctype html><title>{page}</title>");
        }
        await File.WriteAllTextAsync(Path.Combine(pages.Path, "assets", "propose-AbC12.js"), "export {};");
        await File.WriteAllTextAsync(Path.Combine(pages.Path, "secret.txt"), "not an asset");
        await using var node = new OwnedNode(new Dictionary<string, string> { ["Node__PagesDir"] = pages.Path });
        await node.InitializeAsync();

        foreach (var page in new[] { "propose", "receipt", "console" })
        {
            using var r = await node.SendAsync(HttpMethod.Get, "/" + page);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal("text/html", r.Content.Headers.ContentType!.MediaType);
            Assert.Contains($"<title>{page}</title>", await r.Content.ReadAsStringAsync());
            var csp = string.Join(";", r.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'none'", csp);
            Assert.Contains("script-src 'self'", csp);
            Assert.Contains("connect-src 'self'", csp);
            Assert.Contains("frame-ancestors 'none'", csp);
            Assert.DoesNotContain("unsafe", csp);
            Assert.DoesNotContain("http", csp);
            Assert.False(r.Headers.Contains("Set-Cookie"));
        }

        using (var asset = await node.SendAsync(HttpMethod.Get, "/pages/assets/propose-AbC12.js"))
        {
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            Assert.Equal("text/javascript", asset.Content.Headers.ContentType!.MediaType);
            Assert.Contains("immutable", asset.Headers.CacheControl!.ToString());
        }
        foreach (var bad in new[] { "/pages/assets/..%2fsecret.txt", "/pages/assets/%2e%2e%2fpropose.html", "/pages/assets/missing-1.js", "/pages/secret.txt", "/pages/assets/propose.html" })
        {
            using var r = await node.SendAsync(HttpMethod.Get, bad);
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        }

        var descriptor = await node.JsonAsync(HttpMethod.Get, "/.well-known/atlas-node");
        Assert.Equal(node.BaseUrl + "/propose", descriptor.GetProperty("links").GetProperty("propose_url").GetString());
        Assert.Equal(node.BaseUrl + "/console", descriptor.GetProperty("links").GetProperty("console_url").GetString());
    }
}
