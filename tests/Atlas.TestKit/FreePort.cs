using System.Net;
using System.Net.Sockets;

namespace Atlas.TestKit;

/// <summary>Free TCP ports on the loopback interface.</summary>
public static class FreePort
{
    /// <summary>Binds 127.0.0.1:0, reads the port the OS chose and releases it.</summary>
    public static int Next()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>http://127.0.0.1:&lt;free port&gt;</summary>
    public static Uri NextLoopbackUrl() => new($"http://127.0.0.1:{Next()}");
}
