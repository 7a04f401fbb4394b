namespace Atlas.Api.Signing;

/// <summary>A key operation that cannot be done (no such key, a root key where a signing key is meant, a key
/// already revoked, a signing request that does not match the node). The CLI prints it as one line and exits 1.</summary>
public sealed class SigningException(string message) : Exception(message);
