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
    public const string ProtocolVersion = "atlas/1";
}
