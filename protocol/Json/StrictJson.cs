using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Atlas.Protocol.Json;

/// <summary>The one way Atlas reads untrusted JSON: size cap first, then a strict parse into a typed
/// record. Rejects duplicate keys, unknown members, trailing data, floats where integers belong, depth
/// beyond <see cref="ProtocolLimits.MaxJsonDepth"/> and invalid UTF-8/UTF-16 (lone surrogates).</summary>
public static class StrictJson
{
    public static T Parse<T>(ReadOnlySpan<byte> utf8, JsonTypeInfo<T> typeInfo, int maxBytes)
    {
        if (utf8.Length > maxBytes)
        {
            throw new ProtocolException(ProtocolError.TooLarge, $"JSON is {utf8.Length} bytes; the limit is {maxBytes}.");
        }
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(utf8, typeInfo);
        }
        catch (JsonException e)
        {
            throw new ProtocolException(ProtocolError.Malformed, $"Malformed JSON: {FirstLine(e.Message)}");
        }
        catch (InvalidOperationException e)
        {
            // Thrown by the reader for invalid UTF-16 escapes (lone surrogates).
            throw new ProtocolException(ProtocolError.Malformed, $"Malformed JSON: {FirstLine(e.Message)}");
        }
        return value ?? throw new ProtocolException(ProtocolError.Malformed, "Malformed JSON: null document.");
    }

    private static string FirstLine(string message)
    {
        var i = message.IndexOf('\n');
        return i < 0 ? message : message[..i];
    }
}
