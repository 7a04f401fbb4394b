using Atlas.Protocol.Signing;

namespace Atlas.Protocol.Tests;

public sealed class DependencyTests
{
    [Fact]
    public void The_protocol_library_depends_on_neither_ASP_NET_Core_nor_OpenTelemetry()
    {
        var references = typeof(Jws).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();

        Assert.Contains("System.Text.Json", references);
        Assert.DoesNotContain("NetTopologySuite", references);
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.Extensions", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("OpenTelemetry", StringComparison.Ordinal));
    }
}
