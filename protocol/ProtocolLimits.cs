namespace Atlas.Protocol;

/// <summary>Hard limits every implementation enforces before it parses (docs/protocol.md §Limits).</summary>
public static class ProtocolLimits
{
    public const int MaxJsonDepth = 16;
    public const int MaxListingBytes = 128 * 1024;
    public const int MaxKeysetBytes = 64 * 1024;
    public const int MaxHeadBytes = 4 * 1024;
    public const int MaxHeaderBytes = 512;
    public const int MaxChangePageBytes = 8 * 1024 * 1024;
    public const int MaxChangePageEntries = 1000;
    public const int MaxDescriptorBytes = 16 * 1024;
    /// <summary>seq, feed_seq and version never exceed this (2^31 − 1); larger values are a fast-forward attack.</summary>
    public const long MaxSeq = int.MaxValue;
    /// <summary>A seq may run ahead of the last one seen by at most this much.</summary>
    public const long MaxSeqStep = 100_000;
    /// <summary>A head's <c>iat</c> may be at most this far ahead of the verifier's clock (clock drift).</summary>
    public static readonly TimeSpan MaxHeadClockSkew = TimeSpan.FromMinutes(10);
    /// <summary>A head may claim validity (<c>exp − iat</c>) of at most 7 days: a node cannot opt out of freeze detection.</summary>
    public static readonly TimeSpan MaxHeadLifetime = TimeSpan.FromDays(7);
    public const string ProtocolVersion = "atlas/1";
}
