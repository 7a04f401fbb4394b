namespace Atlas.Protocol;

/// <summary>Why an object was refused. The names are stable: they label metrics and quarantine rows.</summary>
public enum ProtocolError
{
    TooLarge,
    Malformed,
    BadHeader,
    WrongType,
    UnknownKey,
    RevokedKey,
    BadSignature,
    WrongIssuer,
    WrongObject,
    Invalid,
    Rollback,
    Equivocation,
    FastForward,
    Expired,
    NotInHead,
    KeysetRollback,
    KeysetThreshold,
    KeysetGap,
    PinMismatch,
    /// <summary>The same keyset version served with a different payload (a split view of the keyset).</summary>
    KeysetSplitView,
    /// <summary>A version whose prev is not the hash of the version before it (a fork of the node's history).</summary>
    Fork,
}

public sealed class ProtocolException(ProtocolError error, string message) : Exception(message)
{
    public ProtocolError Error { get; } = error;
}
