namespace Atlas.Api.Signing;

/// <summary>The file <c>keys rotate-root --request</c> writes (docs/protocol.md §3.2, "Signing request"): the exact
/// payload bytes of the next keyset version, their SHA-256, and the roots and threshold of the version it replaces,
/// so a root holder can check what they sign on a machine without the node's database.</summary>
public sealed record KeysetSigningRequest(
    string Format,
    string Iss,
    long Version,
    long PreviousVersion,
    int PreviousThreshold,
    IReadOnlyList<string> PreviousRoots,
    string Payload,
    string PayloadHash)
{
    public const string FormatName = "atlas-keyset-request/1";
}

/// <summary>One root's signature over a <see cref="KeysetSigningRequest"/>: the ES256 signature of
/// <c>base64url({"alg":"ES256","typ":"atlas-keyset","kid":KID}) "." payload</c>, and the request hash it was made for.</summary>
public sealed record KeysetRequestSignature(string Format, string PayloadHash, string Kid, string Signature)
{
    public const string FormatName = "atlas-keyset-signature/1";
}
