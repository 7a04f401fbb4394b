using System.Globalization;
using Atlas.Protocol;
using Atlas.Protocol.Model;

namespace Atlas.Indexer.Peers;

/// <summary>Resolves a peer's URLs. Only the operator-configured base URL and links from its descriptor on
/// the same origin are ever fetched (attack 19: SSRF via descriptor links).</summary>
public sealed class PeerLinks
{
    private readonly Uri _base;
    private NodeLinks? _links;

    public PeerLinks(string baseUrl)
    {
        if (!TryParseBase(baseUrl, out var uri))
        {
            throw new ArgumentException($"'{baseUrl}' is not an absolute http(s) URL.", nameof(baseUrl));
        }
        _base = uri;
    }

    public static bool TryParseBase(string url, out Uri uri)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" && string.IsNullOrEmpty(u.UserInfo)
            && string.IsNullOrEmpty(u.Query) && string.IsNullOrEmpty(u.Fragment))
        {
            uri = new Uri(u.AbsoluteUri.EndsWith('/') ? u.AbsoluteUri : u.AbsoluteUri + "/");
            return true;
        }
        uri = null!;
        return false;
    }

    public Uri Descriptor => new(_base, ".well-known/atlas-node");

    public void Bind(NodeLinks links)
    {
        // Check every link up front so a hostile descriptor fails as a whole.
        foreach (var link in new[] { links.Keyset, links.KeysetVersion, links.Head, links.Changes, links.Listing })
        {
            Resolve(link);
        }
        _links = links;
    }

    private NodeLinks Links => _links ?? throw new InvalidOperationException("Descriptor not bound.");

    public Uri Keyset => Resolve(Links.Keyset);
    public Uri KeysetVersion(long version) => Resolve(Links.KeysetVersion.Replace("{version}", version.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
    public Uri Head => Resolve(Links.Head);
    public Uri Listing(string id) => Resolve(Links.Listing.Replace("{id}", Uri.EscapeDataString(id), StringComparison.Ordinal));

    public Uri Changes(long after, int limit, long until)
    {
        var link = Resolve(Links.Changes).AbsoluteUri;
        var sep = link.Contains('?') ? '&' : '?';
        return new Uri(FormattableString.Invariant($"{link}{sep}after={after}&limit={limit}&until={until}"));
    }

    private Uri Resolve(string link)
    {
        if (!Uri.TryCreate(_base, link, out var uri)
            || uri.Scheme != _base.Scheme || uri.Host != _base.Host || uri.Port != _base.Port || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new ProtocolException(ProtocolError.Invalid, $"Descriptor link '{link}' is not on the configured origin {_base.GetLeftPart(UriPartial.Authority)}.");
        }
        return uri;
    }
}
