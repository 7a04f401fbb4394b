using System.Net;
using System.Text;

namespace Atlas.Indexer.Tests.Processes;

/// <summary>The running indexer answers its errors like the node: problem details with the security headers
/// (an unknown route, the push rate limit, a body sent to a route that reads none).</summary>
public sealed class ProblemDetailsTests
{
    [Fact]
    public async Task Unknown_route_rate_limit_and_unwanted_body_are_problem_details()
    {
        using var dir = new TempDirectory("atlas-idx-problems");
        var settings = IndexerProcess.CreateSettings(dir.Combine("state.db"), new Uri($"http://127.0.0.1:{FreePort.Next()}"), "unused-key", "organisations");
        settings["Indexer:PushPermitsPerMinute"] = "1";
        await using var indexer = await IndexerProcess.StartAsync(settings, IndexerWait.Live);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(indexer.Url), Timeout = TimeSpan.FromSeconds(10) };

        async Task Expect(HttpStatusCode status, HttpRequestMessage request)
        {
            using (request)
            using (var r = await http.SendAsync(request))
            {
                var what = $"{request.Method} {request.RequestUri}";
                Assert.True(r.StatusCode == status, $"{what}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
                Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
                Assert.Equal("nosniff", r.Headers.GetValues("X-Content-Type-Options").Single());
                Assert.Contains("default-src 'none'", r.Headers.GetValues("Content-Security-Policy").Single());
            }
        }

        HttpRequestMessage Notify() => new(HttpMethod.Post, "/atlas/v1/notify")
        {
            Content = new StringContent("not.a.jws", Encoding.ASCII, "application/jose"),
        };

        await Expect(HttpStatusCode.NotFound, new HttpRequestMessage(HttpMethod.Get, "/nope"));
        await Expect(HttpStatusCode.BadRequest, Notify());
        await Expect(HttpStatusCode.TooManyRequests, Notify());
        await Expect(HttpStatusCode.RequestEntityTooLarge, new HttpRequestMessage(HttpMethod.Get, "/health/live") { Content = new StringContent("{\"a\":\"0123456789\"}") });
    }
}
