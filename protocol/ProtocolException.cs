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
}

public sealed class ProtocolException(ProtocolError error, string message) : Exception(message)
{
    public ProtocolError Error { get; } = error;
}
