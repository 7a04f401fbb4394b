using Atlas.Protocol.Verification;

namespace Atlas.Indexer.Sync;

/// <summary>The served head verified in every respect but its expiry, which has passed.</summary>
public sealed class HeadExpiredException(VerifiedHead head, string message) : Exception(message)
{
    public VerifiedHead Head { get; } = head;
}
