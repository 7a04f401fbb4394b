using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Atlas.Api.Admin;
using Atlas.Api.Cli;
using Atlas.Api.EditorConsole;
using Atlas.Api.Organisations;
using Atlas.Api.Submissions;
using Atlas.Hosting;
using Atlas.Protocol;
using Atlas.Protocol.Model;
using Atlas.Protocol.Vocabulary;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Atlas.Api.Extensions;

/// <summary>Source-generated JSON for the node's own API: snake_case like the protocol, strict on read
/// (duplicate keys, unknown members and missing required members are errors: a planted
/// <c>{"value":"+49…","value":"+7…"}</c> must not silently win).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    NumberHandling = JsonNumberHandling.Strict,
    MaxDepth = ProtocolLimits.MaxJsonDepth)]
[JsonSerializable(typeof(OrgInput))]
[JsonSerializable(typeof(SubmissionInput))]
[JsonSerializable(typeof(SubmissionAccepted))]
[JsonSerializable(typeof(PowChallenge))]
[JsonSerializable(typeof(ReceiptView))]
[JsonSerializable(typeof(List<SubmissionView>))]
[JsonSerializable(typeof(SubmissionView))]
[JsonSerializable(typeof(OrganisationPage))]
[JsonSerializable(typeof(OrganisationItem))]
[JsonSerializable(typeof(List<PlaceView>))]
[JsonSerializable(typeof(AdminOrganisation))]
[JsonSerializable(typeof(List<AdminOrganisation>))]
[JsonSerializable(typeof(PublishResult))]
[JsonSerializable(typeof(DecisionInput))]
[JsonSerializable(typeof(TokenInput))]
[JsonSerializable(typeof(TokenCreated))]
[JsonSerializable(typeof(List<TokenView>))]
[JsonSerializable(typeof(List<AuditEntry>))]
[JsonSerializable(typeof(KeyRotation))]
[JsonSerializable(typeof(ImportFile))]
[JsonSerializable(typeof(FocusVocabularyDocument))]
[JsonSerializable(typeof(Organisation))]
[JsonSerializable(typeof(EnrolOptionsInput))]
[JsonSerializable(typeof(CeremonyInput))]
[JsonSerializable(typeof(CeremonyOptions))]
[JsonSerializable(typeof(ConsoleMe))]
[JsonSerializable(typeof(InviteInput))]
[JsonSerializable(typeof(EnrolmentLink))]
[JsonSerializable(typeof(List<EditorView>))]
[JsonSerializable(typeof(KeyStatusView))]
public sealed partial class ApiJsonContext : JsonSerializerContext;

public static class Problems
{
    /// <summary>422 with field errors (RFC 9457 + the "errors" member of ValidationProblemDetails).</summary>
    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors, string title, string detail) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors) { Status = StatusCodes.Status422UnprocessableEntity, Title = title, Detail = detail });
}

public static class StrictBody
{
    public const int MaxBytes = 64 * 1024;

    /// <summary>Reads a JSON request body with a hard size cap and the strict context. Returns the value, or
    /// the problem response to send (413 too large, 415 wrong type, 400 malformed/duplicate/unknown member).</summary>
    public static async Task<(T? Value, ProblemHttpResult? Error)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken ct) where T : class
    {
        if (request.ContentLength > MaxBytes)
        {
            return (null, TooLarge());
        }
        if (request.ContentType is not { } ct0 || !ct0.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, TypedResults.Problem(statusCode: 415, title: "Unsupported media type", detail: "Send the body as application/json."));
        }
        using var buffer = await CappedRead.ReadAsync(request.Body, MaxBytes, ct);
        if (buffer is null)
        {
            return (null, TooLarge());
        }
        try
        {
            var value = JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), typeInfo);
            return value is null
                ? (null, Malformed("the body is JSON null; send an object."))
                : (value, null);
        }
        catch (JsonException e)
        {
            return (null, Malformed(FirstLine(e.Message)));
        }
        catch (InvalidOperationException e)
        {
            return (null, Malformed(FirstLine(e.Message)));
        }
    }

    private static ProblemHttpResult TooLarge() =>
        TypedResults.Problem(statusCode: 413, title: "Request body too large", detail: $"The body is limited to {MaxBytes / 1024} KB. Shorten descriptions or send fewer locations.");

    private static ProblemHttpResult Malformed(string why) =>
        TypedResults.Problem(statusCode: 400, title: "Malformed request body", detail: $"The body is not acceptable JSON: {why}");

    private static string FirstLine(string s) => s.Split('\n')[0];
}
