namespace Atlas.Api.EditorConsole;

/// <summary>Where the console lives, resolved once from <see cref="ConsoleOptions"/> and the node's base URL:
/// the exact origin every state-changing request must come from, the WebAuthn relying-party id, and the session
/// cookie (Secure with the <c>__Host-</c> prefix on https; a plain name on http://localhost, where browsers allow
/// no Secure cookie over http). The cookie name carries the node id: browsers share cookies across the ports of
/// one host, so two local nodes must not overwrite each other's session.</summary>
public sealed record ConsoleSite(string Origin, string RpId, bool Secure, string CookieName, string NodeName)
{
    public const string ConsolePath = "/console";

    public string ConsoleUrl => Origin + ConsolePath;

    /// <summary>The enrolment token travels in the fragment: browsers never send it to a server or a log.</summary>
    public string EnrolmentUrl(string token) => $"{ConsoleUrl}#enrol={token}";

    public static ConsoleSite Resolve(ConsoleOptions options, string nodeId, string nodeName, string baseUrl)
    {
        var origin = ParseOrigin(options.Origin.Length > 0 ? options.Origin : baseUrl)
            ?? throw new InvalidOperationException($"The node's base URL '{baseUrl}' is not an absolute http(s) URL; set Console:Origin.");
        if (origin.Host is "127.0.0.1" or "[::1]")
        {
            origin = new UriBuilder(origin) { Host = "localhost" }.Uri;
        }
        var secure = origin.Scheme == Uri.UriSchemeHttps;
        var text = origin.GetLeftPart(UriPartial.Authority);
        var cookieSuffix = new string(nodeId.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
        return new ConsoleSite(text, options.RpId.Length > 0 ? options.RpId : origin.Host, secure,
            (secure ? "__Host-atlas_console_" : "atlas_console_") + cookieSuffix, nodeName);
    }

    /// <summary>scheme://host[:port] with nothing after it, or null.</summary>
    public static Uri? ParseOrigin(string text) =>
        Uri.TryCreate(text.TrimEnd('/'), UriKind.Absolute, out var u) && u.Scheme is "http" or "https" && u.AbsolutePath == "/" && u.Query.Length == 0 && u.Fragment.Length == 0 && u.UserInfo.Length == 0
            ? u
            : null;
}
