using System.Text.Json.Serialization;
using Fido2NetLib;

namespace Atlas.Api.EditorConsole;

/// <summary>The WebAuthn wire types as the browser sends them (camelCase, base64url), read with the Fido2
/// library's own attributes and converters.</summary>
[JsonSerializable(typeof(AuthenticatorAttestationRawResponse))]
[JsonSerializable(typeof(AuthenticatorAssertionRawResponse))]
public sealed partial class PasskeyJsonContext : JsonSerializerContext;
