using System.Net;
using Atlas.Hosting;
using Atlas.Protocol;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.Peers;

/// <summary>A peer could not be reached or answered with something other than 200 (not an attack by itself).</summary>
public sealed class PeerFetchException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The only way the indexer talks to peers (attacks 15, 19): no redirects, no decompression,
/// a timeout per request and a byte cap enforced while streaming (Content-Length is not trusted).</summary>
public sealed class PeerHttp(HttpClient http, IOptions<IndexerOptions> options)
{
    public const string ClientName = "peers";

    public static SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        MaxResponseHeadersLength = 64,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    };

    public async Task<byte[]> GetAsync(Uri url, int maxBytes, CancellationToken ct)
    {
        using var body = await GetPooledAsync(url, maxBytes, ct);
        return body.ToArray();
    }

    /// <summary>As <see cref="GetAsync"/>, into a pooled buffer the caller disposes once it has parsed it (change pages:
    /// megabytes each, read by the hundred during a first sync).</summary>
    public async Task<PooledBytes> GetPooledAsync(Uri url, int maxBytes, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Value.RequestTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            if (code is >= 300 and < 400)
            {
                throw new PeerFetchException($"{url} answered {code} (to {response.Headers.Location}); redirects are not followed.");
            }
            if (code != 200)
            {
                throw new PeerFetchException($"{url} answered {code}.");
            }
            if (response.Content.Headers.ContentEncoding.Any(e => !e.Equals("identity", StringComparison.OrdinalIgnoreCase)))
            {
                // We never ask for compression; a compressed body is refused rather than inflated (gzip bomb).
                throw new ProtocolException(ProtocolError.Malformed, $"{url} sent Content-Encoding {string.Join(",", response.Content.Headers.ContentEncoding)}; compressed bodies are refused.");
            }
            if (response.Content.Headers.ContentLength > maxBytes)
            {
                throw new ProtocolException(ProtocolError.TooLarge, $"{url} announces {response.Content.Headers.ContentLength} bytes; the limit is {maxBytes}.");
            }
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            return await CappedRead.ReadPooledAsync(stream, maxBytes, response.Content.Headers.ContentLength, timeout.Token)
                ?? throw new ProtocolException(ProtocolError.TooLarge, $"{url} sent more than {maxBytes} bytes; cut off.");
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new PeerFetchException($"{url} did not answer within {options.Value.RequestTimeout.TotalSeconds:0.#} s.", e);
        }
        catch (HttpRequestException e)
        {
            throw new PeerFetchException($"{url}: {e.Message}", e);
        }
    }
}
