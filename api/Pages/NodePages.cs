using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Atlas.Api.Pages;

/// <summary>The folder the node serves its own pages from (built by <c>npm run build</c> in web/ into
/// web/dist-node), or null when no build was found (then the page routes answer 503 saying so).</summary>
public sealed record PagesLocation(string? Directory)
{
    public const string Marker = "propose.html";

    public static PagesLocation Resolve(NodeOptions options, string baseDirectory)
    {
        if (!string.IsNullOrWhiteSpace(options.PagesDir))
        {
            return new PagesLocation(Path.GetFullPath(options.PagesDir));
        }
        // Default 1: "pages" next to the executable (the container image copies the build there).
        var beside = Path.Combine(baseDirectory, "pages");
        if (File.Exists(Path.Combine(beside, Marker)))
        {
            return new PagesLocation(beside);
        }
        // Default 2: a repository checkout (artifacts/bin/Atlas.Api/<config>/ under the root): web/dist-node.
        for (var dir = new DirectoryInfo(baseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "web", "dist-node");
            if (File.Exists(Path.Combine(candidate, Marker)))
            {
                return new PagesLocation(candidate);
            }
        }
        return new PagesLocation((string?)null);
    }
}

/// <summary>The node's own web pages (docs/web.md, "Node pages"): the proposal form, the submitter's receipt
/// and the editors' console, served from the same origin as the API under a strict CSP that allows nothing
/// but this origin. Assets are content-hashed file names under <c>/pages/assets/</c>.</summary>
public static partial class NodePages
{
    public const string ProposePath = "/propose";
    public const string ReceiptPath = "/receipt";
    public const string ConsolePath = "/console";

    /// <summary>Scripts, styles, fetches and workers from this origin only; no inline code, no framing, forms post here only.</summary>
    public const string PageCsp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "worker-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapPages(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Pages").ExcludeFromDescription();
        group.MapGet(ProposePath, (HttpContext http, PagesLocation pages) => Page(http, pages, "propose")).WithName("ProposePage");
        group.MapGet(ReceiptPath, (HttpContext http, PagesLocation pages) => Page(http, pages, "receipt")).WithName("ReceiptPage");
        group.MapGet(ConsolePath, (HttpContext http, PagesLocation pages) => Page(http, pages, "console")).WithName("ConsolePage");
        group.MapGet("/pages/assets/{file}", Asset).WithName("PageAsset");
        return app;
    }

    public static Results<PhysicalFileHttpResult, ProblemHttpResult> Page(HttpContext http, PagesLocation pages, string name)
    {
        if (pages.Directory is null || !File.Exists(Path.Combine(pages.Directory, name + ".html")))
        {
            return NotBuilt();
        }
        PageHeaders(http.Response.Headers);
        http.Response.Headers.CacheControl = "no-cache";
        return TypedResults.PhysicalFile(Path.Combine(pages.Directory, name + ".html"), "text/html; charset=utf-8");
    }

    public static Results<PhysicalFileHttpResult, NotFound, ProblemHttpResult> Asset(string file, HttpContext http, PagesLocation pages)
    {
        if (pages.Directory is null)
        {
            return NotBuilt();
        }
        // Only the build's own flat, hashed names: no separators, no "..", nothing outside assets/.
        if (!AssetName().IsMatch(file) || ContentType(file) is not { } type)
        {
            return TypedResults.NotFound();
        }
        var path = Path.Combine(pages.Directory, "assets", file);
        if (!File.Exists(path))
        {
            return TypedResults.NotFound();
        }
        PageHeaders(http.Response.Headers);
        http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        return TypedResults.PhysicalFile(path, type);
    }

    private static void PageHeaders(IHeaderDictionary h)
    {
        h.ContentSecurityPolicy = PageCsp;
        h["Cross-Origin-Resource-Policy"] = "same-origin";
        h["Cross-Origin-Opener-Policy"] = "same-origin";
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
    }

    private static ProblemHttpResult NotBuilt() => TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "Pages not built",
        detail: "This node has no built pages. Run 'npm ci && npm run build' in web/ (or set Node:PagesDir to a built web/dist-node).");

    private static string? ContentType(string file) => Path.GetExtension(file) switch
    {
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".woff2" => "font/woff2",
        _ => null,
    };

    [GeneratedRegex(@"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.[a-z0-9]+$")]
    private static partial Regex AssetName();
}
