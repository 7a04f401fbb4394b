using System.Security.Cryptography;
using Atlas.Protocol.Model;

namespace Atlas.Protocol.Signing;

/// <summary>An ECDSA P-256 key with its Atlas key id: base64url(SHA-256(SubjectPublicKeyInfo DER)).
/// The ECDsa object is imported once and reused: re-importing per verify costs 3× (threat model).</summary>
public sealed class AtlasKey : IDisposable
{
    private AtlasKey(ECDsa ecdsa, bool hasPrivate)
    {
        Ecdsa = ecdsa;
        HasPrivateKey = hasPrivate;
        Kid = ComputeKid(ecdsa);
    }

    public ECDsa Ecdsa { get; }
    public string Kid { get; }
    public bool HasPrivateKey { get; }

    public static AtlasKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256), true);

    public static AtlasKey FromPrivatePem(string pem)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(pem);
        RequireP256(ecdsa);
        return new AtlasKey(ecdsa, true);
    }

    /// <summary>Imports a public JWK; throws <see cref="FormatException"/> unless it is a valid P-256 point.</summary>
    public static AtlasKey FromJwk(Jwk jwk)
    {
        if (jwk.Kty != "EC" || jwk.Crv != "P-256")
        {
            throw new FormatException("Only EC P-256 keys are accepted.");
        }
        if (!Base64Url.TryDecode(jwk.X, out var x) || !Base64Url.TryDecode(jwk.Y, out var y) || x.Length != 32 || y.Length != 32)
        {
            throw new FormatException("JWK coordinates must be 32-byte base64url values.");
        }
        try
        {
            var ecdsa = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } });
            return new AtlasKey(ecdsa, false);
        }
        catch (CryptographicException e)
        {
            throw new FormatException("JWK is not a point on P-256.", e);
        }
    }

    public string ExportPrivatePem() => Ecdsa.ExportPkcs8PrivateKeyPem();

    public Jwk ToJwk()
    {
        var p = Ecdsa.ExportParameters(false);
        return new Jwk("EC", "P-256", Base64Url.Encode(p.Q.X), Base64Url.Encode(p.Q.Y));
    }

    public KeyEntry ToKeyEntry(string? status = null) => new(Kid, ToJwk(), status);

    public byte[] Sign(ReadOnlySpan<byte> data) =>
        Ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.Length == 64
        && Ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public static string ComputeKid(ECDsa ecdsa) => Base64Url.Encode(SHA256.HashData(ecdsa.ExportSubjectPublicKeyInfo()));

    private static void RequireP256(ECDsa ecdsa)
    {
        if (ecdsa.KeySize != 256)
        {
            throw new FormatException("Only EC P-256 keys are accepted.");
        }
    }

    public void Dispose() => Ecdsa.Dispose();
}
