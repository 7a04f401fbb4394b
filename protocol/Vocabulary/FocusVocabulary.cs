using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Atlas.Protocol.Vocabulary;

public sealed record FocusArea(string Code, IReadOnlyDictionary<string, string> Labels);

public sealed record FocusVocabularyDocument(int Version, IReadOnlyList<FocusArea> Areas);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(FocusVocabularyDocument))]
internal sealed partial class VocabularyJsonContext : JsonSerializerContext;

/// <summary>The controlled vocabulary of focus areas (Vocabulary/focus-areas.json, embedded).
/// Nodes serve it; validators on both sides accept only its codes.</summary>
public static class FocusVocabulary
{
    private static readonly Lazy<FocusVocabularyDocument> Doc = new(Load);
    private static readonly Lazy<FrozenSet<string>> CodeSet = new(() => Doc.Value.Areas.Select(a => a.Code).ToFrozenSet());

    public static FocusVocabularyDocument Document => Doc.Value;
    public static bool IsKnown(string code) => CodeSet.Value.Contains(code);

    private static FocusVocabularyDocument Load()
    {
        using var stream = typeof(FocusVocabulary).Assembly.GetManifestResourceStream("Atlas.Protocol.focus-areas.json")
            ?? throw new InvalidOperationException("focus-areas.json is not embedded.");
        return JsonSerializer.Deserialize(stream, VocabularyJsonContext.Default.FocusVocabularyDocument)
            ?? throw new InvalidOperationException("focus-areas.json is empty.");
    }
}
