using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Atlas.Indexer.Meilisearch;

/// <summary>
/// A small typed client for the Meilisearch REST API (the official .NET client is not available to us). Works over an
/// injected <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the Meilisearch URL; the API key,
/// when given, is sent as a Bearer token on every request. Non-2xx answers throw <see cref="MeilisearchApiException"/>.
/// Split by concern into partial files (Indexes, Documents, Settings, Tasks, Search, Keys, Health).
/// </summary>
public sealed partial class MeilisearchClient
{
    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue? _authorization;
    private readonly ILogger _logger;

    public MeilisearchClient(HttpClient http, string? apiKey = null, ILogger<MeilisearchClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress (the Meilisearch URL).", nameof(http));
        }

        _http = http;
        _authorization = string.IsNullOrEmpty(apiKey) ? null : new AuthenticationHeaderValue("Bearer", apiKey);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Base address of the Meilisearch instance.</summary>
    public Uri Url => _http.BaseAddress!;

    private static string Segment(string value) => Uri.EscapeDataString(value);

    private static string IndexPath(string indexUid, string? rest = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(indexUid);
        return rest is null ? $"indexes/{Segment(indexUid)}" : $"indexes/{Segment(indexUid)}/{rest}";
    }

    private Task<TResponse> SendAsync<TRequest, TResponse>(
        HttpMethod method,
        string path,
        TRequest body,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken) =>
        SendAsync(method, path, JsonContent.Create(body, requestType), responseType, cancellationToken);

    private async Task<TResponse> SendAsync<TResponse>(
        HttpMethod method,
        string path,
        HttpContent? content,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, content, cancellationToken).ConfigureAwait(false);
        var result = await response.Content.ReadFromJsonAsync(responseType, cancellationToken).ConfigureAwait(false);
        return result ?? throw new MeilisearchException($"Meilisearch answered {method} {path} with an empty body.");
    }

    private async Task<HttpResponseMessage> SendRawAsync(
        HttpMethod method,
        string path,
        HttpContent? content,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (_authorization is not null)
        {
            request.Headers.Authorization = _authorization;
        }

        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken)
            .ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await CreateApiExceptionAsync(method, path, response, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<MeilisearchApiException> CreateApiExceptionAsync(
        HttpMethod method,
        string path,
        HttpResponseMessage response,
        CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        MeilisearchError? error = null;
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                error = JsonSerializer.Deserialize(body, MeilisearchJsonContext.Default.MeilisearchError);
            }
            catch (JsonException)
            {
                // Not a Meilisearch error body (e.g. a proxy's HTML page): keep the raw text below.
            }
        }

        return new MeilisearchApiException(method.Method, path, response.StatusCode, error, error is null ? body : null);
    }

    private static bool IsNotFound(MeilisearchApiException ex) => ex.StatusCode == HttpStatusCode.NotFound;
}
