using System.Text.Json;
using System.Text.Json.Serialization;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;

namespace Atlas.Protocol.Json;

/// <summary>Writes protocol objects as signed payloads: UTF-8 text is kept as is (not \u-escaped), so
/// a Cyrillic description costs 2 bytes a letter instead of 6. Signed bytes are never re-serialised.</summary>
public static class ProtocolJson
{
    private static readonly JsonSerializerOptions Writer = new(ProtocolJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] Serialize<T>(T value) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Writer.GetTypeInfo(typeof(T)));
}
