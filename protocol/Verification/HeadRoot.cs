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
    public static string Compute(IEnumerable<(string Id, long Seq, string Hash)> entries) =>
        ComputeOrdered(entries.OrderBy(e => e.Id, StringComparer.Ordinal)).Root;

    /// <summary>The root and the number of entries of a set already sorted by id (ordinal), in one streaming pass with
    /// nothing buffered (e.g. rows read from a database in index order). Throws when the order is not ascending.</summary>
    public static (string Root, long Count) ComputeOrdered(IEnumerable<(string Id, long Seq, string Hash)> sortedById)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        string? previous = null;
        var count = 0L;
        foreach (var (id, seq, h) in sortedById)
        {
            if (previous is not null && string.CompareOrdinal(previous, id) > 0)
            {
                throw new ArgumentException($"Root entries are not sorted by id: '{id}' after '{previous}'.", nameof(sortedById));
            }
            previous = id;
            count++;
            hash.AppendData(Encoding.ASCII.GetBytes($"{id} {seq} {h}\n"));
        }
        return (Base64Url.Encode(hash.GetHashAndReset()), count);
    }
}
