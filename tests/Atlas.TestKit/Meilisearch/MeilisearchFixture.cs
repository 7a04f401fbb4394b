using Xunit;

namespace Atlas.TestKit.Meilisearch;

/// <summary>
/// xUnit fixture (class or collection) owning one real Meilisearch for the tests that share it. Use
/// <see cref="NewIndexUid"/> to keep tests independent on the shared instance.
/// </summary>
public class MeilisearchFixture : IAsyncLifetime
{
    private MeilisearchProcess? _process;

    public MeilisearchProcess Process =>
        _process ?? throw new InvalidOperationException("The Meilisearch fixture is not initialised.");

    public Uri Url => Process.Url;

    public string MasterKey => Process.MasterKey;

    /// <summary>Options used at start; override in a derived fixture to change them.</summary>
    protected virtual MeilisearchProcessOptions Options => new();

    /// <summary>A unique index uid (letters, digits, '-' and '_' as Meilisearch allows).</summary>
    public static string NewIndexUid(string prefix = "test") => $"{prefix}-{Guid.NewGuid():N}";

    public HttpClient CreateHttpClient(string? apiKey = null) => Process.CreateHttpClient(apiKey);

    public async Task InitializeAsync()
    {
        _process = await MeilisearchProcess.StartAsync(Options).ConfigureAwait(false);
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
            _process = null;
        }
    }
}
