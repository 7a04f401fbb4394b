using System.Security.Cryptography;
using System.Text;
using Atlas.Protocol.Json;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;

namespace Atlas.Protocol.Verification;

/// <summary>The feed head's <c>root</c>: base64url(SHA-256) over the lines <c>"{id} {seq} {hash}\n"</c> of
/// every latest version, sorted by id (ordinal). The empty set hashes the empty string.</summary>
public static class HeadRoot
{
    public static string Compute(IEnumerable<(string Id, long Seq, string Hash)> entries)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (id, seq, h) in entries.OrderBy(e => e.Id, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.ASCII.GetBytes($"{id} {seq} {h}\n"));
        }
        return Base64Url.Encode(hash.GetHashAndReset());
    }
}
