using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Atlas.Hostile.Tests.Infrastructure;

/// <summary>What a <see cref="RawPeer"/> does with one request.</summary>
public enum PeerBehaviour
{
    /// <summary>Answers with <see cref="RawPeer.Handler"/> (or forwards to <see cref="RawPeer.Target"/>).</summary>
    Serve,

    /// <summary>500 with a problem body.</summary>
    Error500,

    /// <summary>200 with random bytes as JSON.</summary>
    Garbage,

    /// <summary>Headers without a length, then one byte every 300 ms until the client gives up (slowloris from the server side).</summary>
    Dribble,

    /// <summary>Accepts and closes the connection at once (RST).</summary>
    Reset,
}

/// <summary>
/// A hostile or flaky HTTP/1.1 peer on 127.0.0.1 built on a raw socket, so it can misbehave below HTTP: dribble bytes,
/// reset connections, return garbage. One request per connection (<c>Connection: close</c>). With <see cref="Target"/>
/// set it forwards GETs to a real node (a switchable proxy); <see cref="Behaviour"/> can change at any time.
/// </summary>
public sealed class RawPeer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly HttpClient _forward = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(20) };
    private int _requests;

    public RawPeer(PeerBehaviour behaviour = PeerBehaviour.Serve)
    {
        Behaviour = behaviour;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri Url { get; }

    public volatile PeerBehaviour Behaviour;

    /// <summary>When set, <see cref="PeerBehaviour.Serve"/> forwards to this base URL.</summary>
    public Uri? Target { get; set; }

    /// <summary>When no target: path and query → (status, content type, body).</summary>
    public Func<string, (int Status, string ContentType, string Body)>? Handler { get; set; }

    /// <summary>Optional: decides the behaviour per request (e.g. flapping by time).</summary>
    public Func<PeerBehaviour>? Schedule { get; set; }

    /// <summary>Requests received so far (every connection counts).</summary>
    public int Requests => Volatile.Read(ref _requests);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                client.NoDelay = true;
                var stream = client.GetStream();
                var head = await ReadHeadAsync(stream);
                if (head is null)
                {
                    return;
                }

                Interlocked.Increment(ref _requests);
                var target = head.Split(' ').ElementAtOrDefault(1) ?? "/";
                switch (Schedule?.Invoke() ?? Behaviour)
                {
                    case PeerBehaviour.Reset:
                        client.Client.LingerState = new LingerOption(true, 0);
                        return;
                    case PeerBehaviour.Error500:
                        await WriteAsync(stream, 500, "application/problem+json", """{"title":"boom","status":500}""");
                        return;
                    case PeerBehaviour.Garbage:
                        var junk = new byte[2048];
                        Random.Shared.NextBytes(junk);
                        await WriteAsync(stream, 200, "application/json", Encoding.Latin1.GetString(junk));
                        return;
                    case PeerBehaviour.Dribble:
                        await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"), _stop.Token);
                        for (var i = 0; i < 200 && !_stop.IsCancellationRequested; i++)
                        {
                            await stream.WriteAsync("{"u8.ToArray(), _stop.Token);
                            await Task.Delay(300, _stop.Token);
                        }

                        return;
                    default:
                        if (Target is { } t)
                        {
                            using var response = await _forward.GetAsync(new Uri(t, target), _stop.Token);
                            await WriteAsync(stream, (int)response.StatusCode, response.Content.Headers.ContentType?.ToString() ?? "application/octet-stream",
                                await response.Content.ReadAsStringAsync(_stop.Token));
                        }
                        else
                        {
                            var (status, type, body) = Handler?.Invoke(target) ?? (404, "application/problem+json", """{"status":404}""");
                            await WriteAsync(stream, status, type, body);
                        }

                        return;
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or HttpRequestException)
            {
                // The other side went away or the peer is stopping.
            }
        }
    }

    private static async Task<string?> ReadHeadAsync(NetworkStream stream)
    {
        var buffer = new byte[16 * 1024];
        var used = 0;
        while (used < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(used));
            if (n == 0)
            {
                return null;
            }

            used += n;
            var text = Encoding.ASCII.GetString(buffer, 0, used);
            if (text.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                return text;
            }
        }

        return null;
    }

    private static async Task WriteAsync(NetworkStream stream, int status, string contentType, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var header = $"HTTP/1.1 {status} X\r\nContent-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(header));
        await stream.WriteAsync(bytes);
        await stream.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
        }

        _forward.Dispose();
        _stop.Dispose();
    }
}
