using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Atlas.Api.Tests.Infrastructure;

/// <summary>A browser's side of the console without a browser: the console origin in every request, the
/// session cookie kept from Set-Cookie, the CSRF token from sign-in sent in its header.</summary>
public sealed class ConsoleClient(TestNode node)
{
    /// <summary>No cookie container: each client sends only the cookie it holds (a shared container would send the
    /// last session anyone received).</summary>
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };

    public string Origin { get; } = node.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);

    public string CookieName => "atlas_console_" + node.NodeId;

    public string? Session { get; set; }

    public string? Csrf { get; set; }

    public string? Name { get; private set; }

    /// <summary>Enrols <paramref name="passkey"/> with an enrolment-link token (or a bearer token) and keeps the session.</summary>
    public async Task EnrolAsync(SoftPasskey passkey, string? enrolmentToken = null, string? bearer = null, string label = "test passkey")
    {
        using var options = await SendAsync(HttpMethod.Post, "/api/console/auth/enrol/options", enrolmentToken is null ? new JsonObject() : new JsonObject { ["token"] = enrolmentToken }, bearer: bearer);
        var o = await OkJson(options);
        var credential = passkey.Create(o.GetProperty("options"), Origin);
        using var complete = await SendAsync(HttpMethod.Post, "/api/console/auth/enrol/complete",
            new JsonObject { ["ceremony"] = o.GetProperty("ceremony").GetString(), ["credential"] = credential, ["label"] = label });
        Keep(complete, await OkJson(complete));
    }

    public async Task SignInAsync(SoftPasskey passkey)
    {
        using var options = await SendAsync(HttpMethod.Post, "/api/console/auth/signin/options", new JsonObject());
        var o = await OkJson(options);
        using var complete = await SendAsync(HttpMethod.Post, "/api/console/auth/signin/complete",
            new JsonObject { ["ceremony"] = o.GetProperty("ceremony").GetString(), ["credential"] = passkey.Get(o.GetProperty("options"), Origin) });
        Keep(complete, await OkJson(complete));
    }

    /// <summary>A request as the console page would send it; every part can be left out or changed by a test.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonNode? json = null, string? origin = "", bool csrf = true, string? bearer = null,
        string? session = "", string? cookieName = null, HttpContent? content = null)
    {
        var m = new HttpRequestMessage(method, node.BaseUrl + path);
        origin = origin == "" ? Origin : origin;
        if (origin is not null)
        {
            m.Headers.Add("Origin", origin);
        }
        session = session == "" ? Session : session;
        if (session is not null)
        {
            m.Headers.Add("Cookie", $"{cookieName ?? CookieName}={session}");
        }
        if (csrf && Csrf is not null)
        {
            m.Headers.Add("X-CSRF-Token", Csrf);
        }
        if (bearer is not null)
        {
            m.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        m.Content = content ?? (json is null ? null : new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json"));
        return Http.SendAsync(m);
    }

    public async Task<JsonElement> JsonAsync(HttpMethod method, string path, JsonNode? json = null, HttpStatusCode expect = HttpStatusCode.OK)
    {
        using var r = await SendAsync(method, path, json);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == expect, $"{method} {path}: expected {(int)expect}, got {(int)r.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private void Keep(HttpResponseMessage response, JsonElement me)
    {
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Session = cookie[(CookieName.Length + 1)..cookie.IndexOf(';', StringComparison.Ordinal)];
        Csrf = me.GetProperty("csrf").GetString();
        Name = me.GetProperty("name").GetString();
    }

    private static async Task<JsonElement> OkJson(HttpResponseMessage r)
    {
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"{r.RequestMessage!.RequestUri}: {(int)r.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
