namespace Atlas.Protocol.Signing;

/// <summary>Strict base64url (RFC 4648 §5, no padding). Non-canonical encodings are rejected so that
/// one byte string has exactly one textual form (no malleability through the encoding).</summary>
public static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        foreach (var c in text)
        {
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_'))
            {
                return false;
            }
        }
        if (text.Length % 4 == 1)
        {
            return false;
        }
        try
        {
            bytes = System.Buffers.Text.Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return false;
        }
        // Reject non-zero trailing bits: re-encoding must give the same text.
        return Encode(bytes).AsSpan().SequenceEqual(text);
    }

    public static byte[] Decode(string text) =>
        TryDecode(text, out var bytes) ? bytes : throw new FormatException("Invalid base64url.");
}
