using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Atlas.Protocol.Signing;

namespace Atlas.Api.Tests.Infrastructure;

/// <summary>A software passkey (WebAuthn authenticator with ES256, "none" attestation, user verified) for tests
/// that talk to a real node over HTTP without a browser. It answers the node's own options, so the node's full
/// verification (challenge, origin, RP id hash, flags, signature, counter) runs on what it produces.</summary>
public sealed class SoftPasskey : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private uint _counter;

    public byte[] CredentialId { get; } = RandomNumberGenerator.GetBytes(16);

    public byte[] UserHandle { get; private set; } = [];

    /// <summary>navigator.credentials.create(): the attestation JSON for <c>options</c> (PublicKeyCredentialCreationOptions JSON).</summary>
    public JsonObject Create(JsonElement options, string origin)
    {
        var rpId = options.GetProperty("rp").GetProperty("id").GetString()!;
        UserHandle = Base64Url.Decode(options.GetProperty("user").GetProperty("id").GetString()!);
        var clientData = ClientData("webauthn.create", options.GetProperty("challenge").GetString()!, origin);
        var p = _key.ExportParameters(false);
        var cose = new CborWriter();
        cose.WriteStartMap(5);
        cose.WriteInt32(1); cose.WriteInt32(2);    // kty: EC2
        cose.WriteInt32(3); cose.WriteInt32(-7);   // alg: ES256
        cose.WriteInt32(-1); cose.WriteInt32(1);   // crv: P-256
        cose.WriteInt32(-2); cose.WriteByteString(p.Q.X!);
        cose.WriteInt32(-3); cose.WriteByteString(p.Q.Y!);
        cose.WriteEndMap();
        var credLen = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(credLen, (ushort)CredentialId.Length);
        var authData = Concat(SHA256.HashData(Encoding.UTF8.GetBytes(rpId)), [0x45], Counter(), new byte[16], credLen, CredentialId, cose.Encode());
        var att = new CborWriter();
        att.WriteStartMap(3);
        att.WriteTextString("fmt"); att.WriteTextString("none");
        att.WriteTextString("attStmt"); att.WriteStartMap(0); att.WriteEndMap();
        att.WriteTextString("authData"); att.WriteByteString(authData);
        att.WriteEndMap();
        return Credential(new JsonObject
        {
            ["attestationObject"] = Base64Url.Encode(att.Encode()),
            ["clientDataJSON"] = Base64Url.Encode(clientData),
            ["transports"] = new JsonArray("internal"),
        });
    }

    /// <summary>navigator.credentials.get(): the assertion JSON for <c>options</c> (PublicKeyCredentialRequestOptions JSON).</summary>
    public JsonObject Get(JsonElement options, string origin, string? rpId = null)
    {
        rpId ??= options.GetProperty("rpId").GetString()!;
        var clientData = ClientData("webauthn.get", options.GetProperty("challenge").GetString()!, origin);
        var authData = Concat(SHA256.HashData(Encoding.UTF8.GetBytes(rpId)), [0x05], Counter());
        var signature = _key.SignData(Concat(authData, SHA256.HashData(clientData)), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return Credential(new JsonObject
        {
            ["authenticatorData"] = Base64Url.Encode(authData),
            ["clientDataJSON"] = Base64Url.Encode(clientData),
            ["signature"] = Base64Url.Encode(signature),
            ["userHandle"] = Base64Url.Encode(UserHandle),
        });
    }

    public void Dispose() => _key.Dispose();

    private JsonObject Credential(JsonObject response) => new()
    {
        ["id"] = Base64Url.Encode(CredentialId),
        ["rawId"] = Base64Url.Encode(CredentialId),
        ["type"] = "public-key",
        ["response"] = response,
        ["clientExtensionResults"] = new JsonObject(),
    };

    private byte[] Counter()
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, ++_counter);
        return b;
    }

    private static byte[] ClientData(string type, string challenge, string origin) =>
        Encoding.UTF8.GetBytes(new JsonObject { ["type"] = type, ["challenge"] = challenge, ["origin"] = origin, ["crossOrigin"] = false }.ToJsonString());

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(x => x).ToArray();
}
