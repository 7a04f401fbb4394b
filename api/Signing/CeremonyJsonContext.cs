using System.Text.Json.Serialization;
using Atlas.Protocol;

namespace Atlas.Api.Signing;

/// <summary>Source-generated JSON for the root signing ceremony's files: snake_case, strict on read (no unknown or
/// duplicate members, every member required).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    NumberHandling = JsonNumberHandling.Strict,
    WriteIndented = true,
    MaxDepth = ProtocolLimits.MaxJsonDepth)]
[JsonSerializable(typeof(KeysetSigningRequest))]
[JsonSerializable(typeof(KeysetRequestSignature))]
public sealed partial class CeremonyJsonContext : JsonSerializerContext;
