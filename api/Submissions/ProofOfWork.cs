using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Atlas.Protocol.Signing;

namespace Atlas.Api.Submissions;

/// <summary>Section "ProofOfWork": the small computation every public submission pays (docs/protocol.md §9).</summary>
public sealed class ProofOfWorkOptions
{
    public const string Section = "ProofOfWork";

    /// <summary>Leading zero bits of SHA-256(challenge ":" nonce). Each bit doubles the expected work
    /// (16 ≈ 65,000 hashes: a fraction of a second in a browser; a native flood pays it per submission). 0 switches the proof off (tests, or a node behind its own gate).</summary>
    [Range(0, 28)]
    public int Bits { get; set; } = 16;

    /// <summary>How long a challenge may be used (and how long its single use is remembered).</summary>
    [Range(30, 3600)]
    public int LifetimeSeconds { get; set; } = 600;
}

public sealed record PowChallenge(string Challenge, int Bits, long ExpiresAt);

public sealed record PowSolution(string Challenge, string Nonce);

public enum PowVerdict { Valid, Missing, Malformed, Forged, Expired, TooEasy, Unsolved, Spent }

/// <summary>
/// Stateless, server-issued challenges: <c>BITS.EXP.RAND.MAC</c> where MAC = HMAC-SHA256(process key, "BITS.EXP.RAND")
/// (first 16 bytes, base64url). The node keeps no record of issued challenges, only of spent ones (RAND, until EXP),
/// so each is used once. Checking is a pure function of the challenge, the nonce, the key and the clock.
/// </summary>
public sealed class ProofOfWork
{
    private const int MaxNonceLength = 32;
    private readonly byte[] _key;

    public ProofOfWork(byte[] key) => _key = key;

    /// <summary>A key that lives as long as the process: a restart only invalidates challenges not yet used.</summary>
    public static ProofOfWork WithRandomKey() => new(RandomNumberGenerator.GetBytes(32));

    public PowChallenge Issue(int bits, long now, int lifetimeSeconds)
    {
        var exp = now + lifetimeSeconds;
        var body = $"{bits}.{exp}.{Base64Url.Encode(RandomNumberGenerator.GetBytes(16))}";
        return new PowChallenge($"{body}.{Mac(body)}", bits, exp);
    }

    /// <summary>Checks a solution; on <see cref="PowVerdict.Valid"/> also returns the id to record as spent and its expiry.</summary>
    public PowVerdict Check(PowSolution? solution, int requiredBits, long now, int lifetimeSeconds, out string spentId, out long expiresAt)
    {
        spentId = "";
        expiresAt = 0;
        if (solution is null || string.IsNullOrEmpty(solution.Challenge) || string.IsNullOrEmpty(solution.Nonce))
        {
            return PowVerdict.Missing;
        }
        var parts = solution.Challenge.Split('.');
        if (parts.Length != 4 || solution.Challenge.Length > 128 || solution.Nonce.Length > MaxNonceLength
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var bits)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var exp))
        {
            return PowVerdict.Malformed;
        }
        var expected = Encoding.ASCII.GetBytes(Mac($"{parts[0]}.{parts[1]}.{parts[2]}"));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[3])))
        {
            return PowVerdict.Forged;
        }
        if (exp < now || exp > now + lifetimeSeconds)
        {
            return PowVerdict.Expired;
        }
        if (bits < requiredBits)
        {
            return PowVerdict.TooEasy;
        }
        if (LeadingZeroBits(SHA256.HashData(Encoding.UTF8.GetBytes(solution.Challenge + ":" + solution.Nonce))) < bits)
        {
            return PowVerdict.Unsolved;
        }
        spentId = parts[2];
        expiresAt = exp;
        return PowVerdict.Valid;
    }

    public static int LeadingZeroBits(ReadOnlySpan<byte> hash)
    {
        var n = 0;
        foreach (var b in hash)
        {
            if (b == 0)
            {
                n += 8;
                continue;
            }
            return n + System.Numerics.BitOperations.LeadingZeroCount((uint)b) - 24;
        }
        return n;
    }

    /// <summary>Finds a nonce (what a browser does, in C#: tests and tools). Bounded: throws past <paramref name="maxTries"/>.</summary>
    public static string Solve(string challenge, int bits, long maxTries = 1L << 32)
    {
        for (long i = 0; i < maxTries; i++)
        {
            var nonce = i.ToString(CultureInfo.InvariantCulture);
            if (LeadingZeroBits(SHA256.HashData(Encoding.UTF8.GetBytes(challenge + ":" + nonce))) >= bits)
            {
                return nonce;
            }
        }
        throw new InvalidOperationException("no nonce found within the bound");
    }

    private string Mac(string body) => Base64Url.Encode(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(body)).AsSpan(0, 16).ToArray());
}
