using System.ComponentModel.DataAnnotations;
using System.Net;
using Atlas.Hosting;
using Microsoft.Extensions.Options;

namespace Atlas.Api;

/// <summary>Section "Node" (env: Node__DataDir, Node__NotifyUrls__0, …). Identity (node id, name, base URL,
/// region) lives in the database, written once by <c>init</c>.</summary>
public sealed class NodeOptions
{
    public const string Section = "Node";

    /// <summary>Directory made by <c>init</c>: atlas.db and keys/.</summary>
    [Required(ErrorMessage = "Node:DataDir is required: the directory made by 'init' (--data DIR or Node__DataDir).")]
    [ExistingFile("Node:DataDir '{0}' holds no atlas.db; run 'Atlas.Api init --data DIR …' first.", InDirectory = Data.NodeStore.FileName)]
    public string DataDir { get; set; } = "";

    /// <summary>Indexer base URLs to push heads (POST {url}/atlas/v1/notify) and tombstones (POST {url}/atlas/v1/relay) to.</summary>
    [HttpUrl("Node:NotifyUrls entry '{0}' is not an absolute http(s) URL.")]
    public string[] NotifyUrls { get; set; } = [];

    [Range(1, 168)]
    public int HeadLifetimeHours { get; set; } = 24;

    /// <summary>How often the worker looks for changes made by the CLI and for a head or keyset due for re-signing.</summary>
    [Range(1, 3600)]
    public int HeadCheckSeconds { get; set; } = 30;

    [Required(ErrorMessage = "Node:Licence is required (e.g. CC-BY-4.0).")]
    public string Licence { get; set; } = "CC-BY-4.0";

    /// <summary>Reverse proxies (IP addresses or CIDR networks) whose X-Forwarded-For is believed. Behind a proxy
    /// every request comes from the proxy's address, so without this the submission rate limit is one bucket
    /// for the whole world; from anyone else the header is ignored, so it cannot be spoofed to dodge the limit.</summary>
    [IpNetwork("Node:TrustedProxies entry '{0}' is not an IP address or CIDR network (e.g. 172.30.0.0/24).")]
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>For tests only: shifts the node's clock (<see cref="NodeClock"/>) by this much, so that clock-skew
    /// tests can run a real node whose clock is off. Zero (the default) in every real deployment.</summary>
    [Range(typeof(TimeSpan), "-30.00:00:00", "30.00:00:00")]
    public TimeSpan TestClockOffset { get; set; } = TimeSpan.Zero;

    /// <summary>Folder of the node's own pages (web/dist-node after <c>npm run build</c> in web/). Empty (the default):
    /// <c>pages/</c> next to the executable (the container image), else <c>web/dist-node</c> of the repository
    /// checkout the node runs from; without a build the page routes answer 503.</summary>
    [ExistingFile("Node:PagesDir '{0}' holds no " + Pages.PagesLocation.Marker + "; build the pages (npm run build in web/) or leave the setting out.", InDirectory = Pages.PagesLocation.Marker)]
    public string PagesDir { get; set; } = "";

    public IReadOnlyList<IPNetwork> TrustedProxyNetworks() => TrustedProxies.Select(p => IPNetwork.Parse(AsCidr(p))).ToList();

    /// <summary>A bare address is a network of one.</summary>
    internal static string AsCidr(string proxy) =>
        proxy.Contains('/', StringComparison.Ordinal) ? proxy : $"{proxy}/{(proxy.Contains(':', StringComparison.Ordinal) ? 128 : 32)}";
}

/// <summary>Section "RateLimiting:Submissions": fixed window per client IP for POST /api/submissions.</summary>
public sealed class SubmissionRateLimitOptions
{
    public const string Section = "RateLimiting:Submissions";

    [Range(1, 100_000)]
    public int PermitLimit { get; set; } = 5;

    [Range(1, 86_400)]
    public int WindowSeconds { get; set; } = 60;
}

/// <summary>Start-up checks, generated from the data annotations of <see cref="NodeOptions"/>; every message
/// names the setting to fix.</summary>
[OptionsValidator]
public sealed partial class NodeOptionsValidator : IValidateOptions<NodeOptions>;

/// <summary>Generated from the data annotations of <see cref="SubmissionRateLimitOptions"/>.</summary>
[OptionsValidator]
public sealed partial class SubmissionRateLimitOptionsValidator : IValidateOptions<SubmissionRateLimitOptions>;
