using System.Text.Json;
using System.Text.Json.Serialization;
using Atlas.Protocol.Model;
using Atlas.Protocol.Signing;

namespace Atlas.Protocol.Json;

/// <summary>Source-generated JSON for every protocol object: snake_case, every member always written
/// (absent values are an explicit null), and strict on read (no unknown members, no duplicate keys, required members must be present, no numbers as strings).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    NumberHandling = JsonNumberHandling.Strict,
    MaxDepth = ProtocolLimits.MaxJsonDepth)]
[JsonSerializable(typeof(ListingPayload))]
[JsonSerializable(typeof(KeysetPayload))]
[JsonSerializable(typeof(HeadPayload))]
[JsonSerializable(typeof(ChangePage))]
[JsonSerializable(typeof(NodeDescriptor))]
[JsonSerializable(typeof(JwsHeader))]
[JsonSerializable(typeof(GeneralJws))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
